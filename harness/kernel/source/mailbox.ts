// Splits a patch file or mbox with `git mailsplit` and reads each message with `git mailinfo`, as `git am` will.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HarnessError } from '../../common/errors.ts';
import type { Runtime } from '../../runtime/types.ts';
import { gitTry } from './git.ts';

export interface MailMessage {
  /** The message as git mailsplit cut it out: what `git am` receives. */
  text: string;
  /** "Name <email>" from From: or an in-body From: line; '' when the message names nobody. */
  author: string;
  /** The Subject decoded and unfolded, as sent (mailinfo -k): "[PATCH v2 3/7] cxl/region: fix X"; '' when there is none. */
  subject: string;
  /** The commit title git am makes of it: the subject without its leading [...] and "Re:" prefixes. */
  title: string;
  /** What follows the commit message: the diffstat and the diff. */
  patch: string;
}

async function run(file: string, dir: string, args: string[], runtime: Runtime, stdin?: string): Promise<string> {
  const r = await gitTry(dir, args, {}, runtime, stdin);
  if (r.exitCode !== 0) {
    throw new HarnessError(`${file}: git ${args[0]} failed on it (exit ${r.exitCode})`, { stage: 'input', details: r.all.split('\n').filter(Boolean).slice(-4) });
  }
  return r.stdout;
}

/** The "Key: value" lines git mailinfo prints for a message; `args` are its options and where it writes the commit message and patch. */
async function info(file: string, dir: string, message: string, args: string[], runtime: Runtime): Promise<Map<string, string>> {
  const out = await run(file, dir, ['mailinfo', ...args], runtime, join(dir, message));
  return new Map(out.split('\n').map((l) => /^(\w+): (.*)$/.exec(l)).filter((m) => m !== null).map((m) => [m[1]!, m[2]!.trim()]));
}

async function readMessage(file: string, dir: string, message: string, runtime: Runtime): Promise<MailMessage> {
  const patch = join(dir, `${message}.patch`);
  const [kept, plain] = await Promise.all([
    info(file, dir, message, ['-k', '/dev/null', '/dev/null'], runtime),
    info(file, dir, message, ['/dev/null', patch], runtime),
  ]);
  const [name, email] = [plain.get('Author') ?? '', plain.get('Email') ?? ''];
  return {
    text: await readFile(join(dir, message), 'utf8'),
    author: [name, email && `<${email}>`].filter(Boolean).join(' '),
    subject: kept.get('Subject') ?? '',
    title: plain.get('Subject') ?? '',
    patch: await readFile(patch, 'utf8'),
  };
}

/** Every message of `file` in mbox order; a file that does not open with an mbox "From " line is one message (mailsplit -b). */
export async function readMailbox(file: string, runtime: Runtime): Promise<MailMessage[]> {
  const dir = await mkdtemp(join(tmpdir(), 'cxl-harness-series-'));
  try {
    await run(file, dir, ['mailsplit', '-b', `-o${dir}`, resolve(file)], runtime);
    const messages = (await readdir(dir)).sort();
    return await Promise.all(messages.map((m) => readMessage(file, dir, m, runtime)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
