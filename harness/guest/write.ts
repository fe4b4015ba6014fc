// A sysfs write and a command after it in one round trip (each round trip costs tens of milliseconds under TCG):
// the write's error message is captured apart from the command's output and mapped to the errno the kernel returned.
import { HarnessError } from '../common/errors.ts';
import { shellWord } from '../common/shell.ts';
import { errnoFromMessage } from './errno.ts';

export type WriteResult = { ok: true } | { ok: false; errno: string; message: string };

const ERR_FILE = '/run/cxl-harness-write.err';
const STATUS = '--- cxl-harness write';
const THEN = '--- cxl-harness then\n';

/**
 * `echo value > path` as a user would type it. busybox's echo reports a failed write ("sh: write error: <strerror>")
 * and the shell a failed open ("sh: can't create <path>: <strerror>"); both go to a file and are printed with
 * builtins (no fork) before `then` runs.
 */
export function writeThenCommand(path: string, value: string, then = ''): string {
  return [`echo ${shellWord(value)} 2>${ERR_FILE} >${shellWord(path)}`, `echo "${STATUS} $?"`, `while IFS= read -r l; do echo "$l"; done <${ERR_FILE}`, `echo '${THEN.trim()}'`, then].join('\n');
}

/** The write's result and what `then` printed, from writeThenCommand's output. */
export function parseWriteThen(stdout: string, path: string): { write: WriteResult; then: string } {
  const status = stdout.indexOf(STATUS);
  const split = stdout.indexOf(THEN, status);
  if (status < 0 || split < 0) throw new HarnessError(`write to ${path}: the guest's output lacks the harness's markers`, { stage: 'guest', details: stdout.split('\n').slice(0, 10) });
  const [code, ...rest] = stdout.slice(status + STATUS.length, split).trim().split('\n');
  const then = stdout.slice(split + THEN.length);
  if (code === '0') return { write: { ok: true }, then };
  const message = rest.join('\n').trim();
  const errno = errnoFromMessage(message);
  if (!errno) throw new HarnessError(`write to ${path} failed with a message that names no errno`, { stage: 'guest', details: [message] });
  return { write: { ok: false, errno, message }, then };
}
