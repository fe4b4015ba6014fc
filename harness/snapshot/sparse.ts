// Sparse file copies (the CXL backing files are mostly holes) and the bytes a folder really takes on disk.
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { HarnessError } from '../common/errors.ts';

/**
 * Copies every regular file of `from` into `to` (made if missing), keeping holes as holes: GNU cp finds the data
 * with SEEK_DATA/SEEK_HOLE, shares extents where the file system can (reflink=auto), and writes holes for zero
 * blocks it reads (sparse=always). Node's copyFile would fill a 256 MiB hole with 256 MiB of zeroes.
 */
export async function copySparse(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  const names = (await readdir(from, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(from, e.name));
  if (!names.length) return;
  const r = await execa('cp', ['--sparse=always', '--reflink=auto', '--preserve=mode', '--', ...names, to], { reject: false });
  if (r.exitCode !== 0) throw new HarnessError(`copying ${from} to ${to} failed`, { stage: 'boot', details: r.stderr.split('\n').filter(Boolean) });
}

export interface DiskUse {
  /** What the files say they hold. */
  apparent: number;
  /** What the file system allocated for them (holes take nothing). */
  allocated: number;
}

/** Sizes of every file below `dir`, recursively. */
export async function diskUse(dir: string): Promise<DiskUse> {
  const use: DiskUse = { apparent: 0, allocated: 0 };
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      const sub = await diskUse(p);
      use.apparent += sub.apparent;
      use.allocated += sub.allocated;
    } else if (e.isFile()) {
      const st = await stat(p);
      use.apparent += st.size;
      use.allocated += st.blocks * 512;
    }
  }
  return use;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) [v, u] = [v / 1024, u + 1];
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}
