// The artifacts folder, checked before anything boots: on a real, writable file system with room to spare.
import { constants } from 'node:fs';
import { access, mkdir, stat, statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { HarnessError } from '../common/errors.ts';

/** Console logs, reports, bundles of a failing run: comfortably less than this. */
export const MIN_FREE_BYTES = 256n << 20n;
/** statfs f_type of file systems that are not storage (proc, sysfs, debugfs, tracefs, cgroup2). */
const PSEUDO = new Set([0x9fa0, 0x62656572, 0x64626720, 0x74726163, 0x63677270]);

async function nearestExisting(path: string): Promise<string> {
  for (let p = path; ; p = dirname(p)) {
    if (await stat(p).then(() => true, () => false)) return p;
    if (dirname(p) === p) return p;
  }
}

/** Makes `<dir>/<name>` after checking the folder can hold it; errors name the folder and what is wrong. */
export async function prepareArtifacts(dir: string, name: string): Promise<string> {
  const root = resolve(dir);
  const existing = await nearestExisting(root);
  const fail = (why: string) => new HarnessError(`--artifacts ${dir}: ${why}`, { stage: 'input', details: ['accepted: a folder on a writable disk with at least 256 MiB free (default ./artifacts)'] });
  const st = await stat(existing);
  if (!st.isDirectory()) throw fail(`${existing} is not a folder`);
  const fs = await statfs(existing);
  if (PSEUDO.has(Number(fs.type))) throw fail(`${existing} is on a pseudo file system (statfs type 0x${Number(fs.type).toString(16)}), not storage`);
  if (await access(existing, constants.W_OK).then(() => false, () => true)) throw fail(`${existing} is not writable`);
  const free = BigInt(fs.bavail) * BigInt(fs.bsize);
  if (free < MIN_FREE_BYTES) throw fail(`only ${free >> 20n} MiB free on the disk holding ${existing}`);
  const runDir = resolve(root, name);
  await mkdir(runDir, { recursive: true }).catch((err: NodeJS.ErrnoException) => {
    throw fail(`cannot create ${runDir} (${err.code ?? err.message})`);
  });
  return runDir;
}
