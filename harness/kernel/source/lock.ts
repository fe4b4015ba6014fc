// One build at a time per build tree: a lock file holding the owner's pid, taken over when that process is gone.
import { open, readFile, rm } from 'node:fs/promises';
import { HarnessError } from '../../common/errors.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function withLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    const handle = await open(file, 'wx').catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
      return undefined;
    });
    if (handle) {
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    }
    const owner = Number(await readFile(file, 'utf8').catch(() => '0'));
    if (owner && alive(owner)) {
      throw new HarnessError(`another harness process (pid ${owner}) is building in this tree`, { stage: 'kernel', details: [`lock: ${file}`] });
    }
    await rm(file, { force: true });
  }
  try {
    return await fn();
  } finally {
    await rm(file, { force: true });
  }
}
