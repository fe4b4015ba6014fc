// Reads the series under test: an mbox (b4 am), a folder of numbered .patch files, or single patch files, in patch order.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { HarnessError } from '../../common/errors.ts';
import { diffHunks, type Hunk } from './diff.ts';
import { decodeWords, parseMail, parseSubject } from './mail.ts';

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

/** An mbox "From " separator line: "From <sha or git@z> <asctime date>". */
const SEPARATOR = /^From \S+ +\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4}$/;

function seriesError(file: string, problem: string): HarnessError {
  return new HarnessError(`${file}: ${problem}`, { stage: 'input', details: [ACCEPTED] });
}

interface Draft extends Omit<Patch, 'number'> {
  /** From the subject's [PATCH n/N]; else from a "0001-" file name; else the position. */
  number?: number;
  total?: number;
}

/** Splits an mbox into messages, each keeping its "From " line so git am reads it as an mbox of one. */
function splitMbox(text: string): string[] {
  const messages: string[][] = [];
  for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
    if (SEPARATOR.test(line)) messages.push([line]);
    else messages.at(-1)?.push(line);
  }
  return messages.map((m) => `${m.join('\n').replace(/\n+$/, '')}\n`);
}

function fileNumber(file: string): number | undefined {
  const m = /^(\d+)-/.exec(basename(file));
  return m ? Number(m[1]) : undefined;
}

function fromMessage(text: string, file: string, which: string): Draft | 'cover' {
  const mail = parseMail(text.replace(/^From .*\n/, ''));
  const subject = mail?.headers.get('subject');
  if (!mail || !subject) throw seriesError(file, `${which} has no Subject header`);
  const parts = parseSubject(decodeWords(subject));
  const hunks = diffHunks(mail.body);
  if (parts.number === 0) return 'cover';
  if (!hunks.length) throw seriesError(file, `${which} ("${parts.title}") contains no diff`);
  // A patch forwarded for someone else names the real author on the body's first line, as git am reads it.
  const first = mail.body.split('\n').find((l) => l.trim() !== '') ?? '';
  const author = decodeWords(/^From: (.+)$/.exec(first)?.[1] ?? mail.headers.get('from') ?? 'unknown');
  return {
    ...(parts.number !== undefined ? { number: parts.number, total: parts.total } : {}),
    subject: parts.title,
    author,
    file,
    format: 'mail',
    text,
    hunks,
  };
}

function fromFile(text: string, file: string): Draft[] {
  const messages = splitMbox(text);
  if (messages.length) {
    return messages.flatMap((m, i) => {
      const d = fromMessage(m, file, messages.length > 1 ? `message ${i + 1}` : 'the message');
      return d === 'cover' ? [] : [d];
    });
  }
  if (parseMail(text)?.headers.has('subject')) {
    const d = fromMessage(text, file, 'the message');
    return d === 'cover' ? [] : [d];
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

async function readSource(path: string): Promise<Draft[]> {
  const st = await stat(path).catch(() => undefined);
  if (!st) throw seriesError(path, 'does not exist');
  if (!st.isDirectory()) {
    const drafts = fromFile(await readFile(path, 'utf8'), path);
    // A single patch file is the user's pick from a series, not a partly saved one.
    if (drafts.length > 1) checkComplete(drafts, path);
    return drafts;
  }
  const files = (await readdir(path)).filter((f) => f.endsWith('.patch')).sort();
  if (!files.length) throw seriesError(path, 'is a folder with no .patch files');
  const drafts: Draft[] = [];
  for (const f of files) {
    const file = join(path, f);
    for (const d of fromFile(await readFile(file, 'utf8'), file)) drafts.push({ ...d, number: d.number ?? fileNumber(file) });
  }
  checkComplete(drafts, path);
  return drafts;
}

/** Reads and orders the series; throws stage 'input' naming the file for anything it cannot use. */
export async function readSeries(paths: string[]): Promise<Patch[]> {
  const drafts = (await Promise.all(paths.map(readSource))).flat();
  const patches = drafts
    .map((d, i) => ({ ...d, number: d.number ?? i + 1 }))
    .sort((a, b) => a.number - b.number);
  for (let i = 1; i < patches.length; i++) {
    const [a, b] = [patches[i - 1]!, patches[i]!];
    if (a.number === b.number) throw seriesError(b.file, `two patches are numbered ${b.number}: "${a.subject}" (${a.file}) and "${b.subject}"`);
  }
  return patches.map(({ total: _total, ...p }) => p);
}
