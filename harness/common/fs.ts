// Small file-system helpers: atomic directory publication so an interrupted build never leaves a half cache entry.
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Builds a directory at `final` through `build(tmpDir)` unless it already exists.
 * The work happens in a sibling temp folder that is renamed into place only when complete.
 */
export async function buildOnce(final: string, build: (tmp: string) => Promise<void>): Promise<boolean> {
  if (await exists(final)) return false;
  await mkdir(dirname(final), { recursive: true });
  const tmp = `${final}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  try {
    await build(tmp);
    await rename(tmp, final);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return true;
}
