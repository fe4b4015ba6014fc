// Reads the series under test: an mbox (b4 am), a folder of numbered .patch files, or single patch files, in patch order.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { HarnessError } from '../../common/errors.ts';
import { HostRuntime } from '../../runtime/host.ts';
import type { Runtime } from '../../runtime/types.ts';
import { diffHunks, type Hunk } from './diff.ts';
import { readMailbox, type MailMessage } from './mailbox.ts';

export interface Patch {
  number: number;
  subject: string;
  author: string;
  /** The file the patch came from. */
  file: string;
  /** 'mail' goes through `git am`; 'diff' (a bare unified diff) through `git apply`. */
  format: 'mail' | 'diff';
  /** Exactly what is handed to git. */
  text: string;
  hunks: Hunk[];
}

const ACCEPTED = 'accepted: an mbox as `b4 am` writes it, a folder of numbered .patch files, or patch files (git format-patch or unified diff)';

function seriesError(file: string, problem: string): HarnessError {
  return new HarnessError(`${file}: ${problem}`, { stage: 'input', details: [ACCEPTED] });
}

interface Draft extends Omit<Patch, 'number'> {
  /** From the subject's [PATCH n/N]; else from a "0001-" file name; else the position. */
  number?: number;
  total?: number;
}

function fileNumber(file: string): number | undefined {
  const m = /^(\d+)-/.exec(basename(file));
  return m ? Number(m[1]) : undefined;
}

/** "[PATCH v2 3/7] " → 3 of 7, read from what git mailinfo -k kept in front of the title its plain run gives. */
function numbering(m: MailMessage): { number: number; total: number } | undefined {
  const prefix = m.subject.endsWith(m.title) ? m.subject.slice(0, m.subject.length - m.title.length) : '';
  const n = [...prefix.matchAll(/[[\s]0*(\d+)\/0*(\d+)[\]\s]/g)].at(-1);
  return n ? { number: Number(n[1]), total: Number(n[2]) } : undefined;
}

function fromMessage(m: MailMessage, file: string, which: string): Draft | 'cover' {
  if (!m.subject) throw seriesError(file, `${which} has no Subject header`);
  const n = numbering(m);
  if (n?.number === 0) return 'cover';
  const hunks = diffHunks(m.patch);
  if (!hunks.length) throw seriesError(file, `${which} ("${m.title}") contains no diff`);
  return { ...n, subject: m.title, author: m.author || 'unknown', file, format: 'mail', text: m.text, hunks };
}

async function fromFile(file: string, runtime: Runtime): Promise<Draft[]> {
  const text = await readFile(file, 'utf8');
  if (!text.trim()) throw seriesError(file, 'is empty');
  const messages = await readMailbox(file, runtime);
  // A lone message in which git mailinfo finds neither a Subject nor an author has no mail headers: a bare diff, or nothing usable.
  if (messages.length > 1 || messages.some((m) => m.subject || m.author)) {
    return messages.flatMap((m, i) => {
      const d = fromMessage(m, file, messages.length > 1 ? `message ${i + 1}` : 'the message');
      return d === 'cover' ? [] : [d];
    });
  }
  const hunks = diffHunks(text);
  if (!hunks.length) throw seriesError(file, 'is neither a patch e-mail nor a unified diff');
  const n = fileNumber(file);
  return [{
    ...(n !== undefined ? { number: n } : {}),
    subject: basename(file).replace(/^\d+-/, '').replace(/\.(patch|diff)$/, ''),
    author: 'unknown',
    file,
    format: 'diff',
    text,
    hunks,
  }];
}

/** An mbox or folder is a whole series: if its subjects say "n/N", every number up to N must be there. */
function checkComplete(drafts: Draft[], source: string): void {
  const total = drafts.find((d) => d.total !== undefined)?.total;
  if (total === undefined) return;
  const missing = Array.from({ length: total }, (_, i) => i + 1).filter((n) => !drafts.some((d) => d.number === n));
  if (missing.length) throw seriesError(source, `the series has ${total} patches but ${missing.map((n) => `${n}/${total}`).join(', ')} is missing`);
}

async function readSource(path: string, runtime: Runtime): Promise<Draft[]> {
  const st = await stat(path).catch(() => undefined);
  if (!st) throw seriesError(path, 'does not exist');
  if (!st.isDirectory()) {
    const drafts = await fromFile(path, runtime);
    // A single patch file is the user's pick from a series, not a partly saved one.
    if (drafts.length > 1) checkComplete(drafts, path);
    return drafts;
  }
  const files = (await readdir(path)).filter((f) => f.endsWith('.patch')).sort();
  if (!files.length) throw seriesError(path, 'is a folder with no .patch files');
  const perFile = await Promise.all(files.map((f) => fromFile(join(path, f), runtime)));
  const drafts = perFile.flatMap((ds, i) => ds.map((d) => ({ ...d, number: d.number ?? fileNumber(files[i]!) })));
  checkComplete(drafts, path);
  return drafts;
}

/** Reads and orders the series (git runs through `runtime`, the host by default); throws stage 'input' naming the file for anything it cannot use. */
export async function readSeries(paths: string[], runtime: Runtime = new HostRuntime()): Promise<Patch[]> {
  const drafts = (await Promise.all(paths.map((p) => readSource(p, runtime)))).flat();
  const patches = drafts
    .map((d, i) => ({ ...d, number: d.number ?? i + 1 }))
    .sort((a, b) => a.number - b.number);
  for (let i = 1; i < patches.length; i++) {
    const [a, b] = [patches[i - 1]!, patches[i]!];
    if (a.number === b.number) throw seriesError(b.file, `two patches are numbered ${b.number}: "${a.subject}" (${a.file}) and "${b.subject}"`);
  }
  return patches.map(({ total: _total, ...p }) => p);
}
