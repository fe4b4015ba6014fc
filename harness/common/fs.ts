// Small file-system helpers: cache entries published atomically and built once, even with several runs sharing the cache.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { withLock } from './lock.ts';

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export interface BuildOnceOptions {
  /** What a run waiting for another run's build of `final` says it waits for; default the path. */
  what?: string;
  /** Receives the one "waiting for …" line; default silent. */
  log?: (line: string) => void;
}

/**
 * Builds a directory at `final` through `build(tmpDir)` unless it already exists; true when this call built it.
 * The work happens under the lock `${final}.lock` in a sibling temp folder renamed into place only when complete, so a
 * second process asking for the same entry waits for the first and then reuses its result.
 */
export async function buildOnce(final: string, build: (tmp: string) => Promise<void>, opts: BuildOnceOptions = {}): Promise<boolean> {
  if (await exists(final)) return false;
  await mkdir(dirname(final), { recursive: true });
  return withLock(`${final}.lock`, opts.what ?? final, opts.log ?? (() => {}), async () => {
    if (await exists(final)) return false;
    // Holding the lock, every temp folder for this entry is a leftover of a run that died building it.
    const prefix = `${basename(final)}.tmp-`;
    for (const name of await readdir(dirname(final))) {
      if (name.startsWith(prefix)) await rm(join(dirname(final), name), { recursive: true, force: true });
    }
    const tmp = `${final}.tmp-${process.pid}`;
    await mkdir(tmp);
    try {
      await build(tmp);
      await rename(tmp, final);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
    return true;
  });
}

/** Replaces a file through a temp sibling and a rename, so a concurrent reader sees the old or the new content, never a part. */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
