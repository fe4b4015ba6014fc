// Source-kernel figures for `npm run bench -- --source`: cache hit, and a rebuild after a one-file change.
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { cachePath } from '../common/paths.ts';

/** A patch adding one comment line to drivers/cxl/core/region.c, new each call, so its build is never cached. */
export async function oneFilePatch(): Promise<string> {
  const bases = cachePath('kernel-src', 'base');
  const base = (await readdir(bases)).find((d) => d.startsWith('linux-source-7.2_'));
  if (!base) throw new Error('no unpacked linux-source-7.2 in the cache: run once with --kernel src:debian:7.2 first');
  const file = 'drivers/cxl/core/region.c';
  const text = await readFile(join(bases, base, file), 'utf8');
  const lines = text.split('\n');
  const dir = await mkdtemp(join(tmpdir(), 'cxl-bench-patch-'));
  const a = join(dir, 'a.c');
  const b = join(dir, 'b.c');
  await writeFile(a, text);
  await writeFile(b, [lines[0], `/* bench ${Date.now()} */`, ...lines.slice(1)].join('\n'));
  const diff = await execa('diff', ['-u', '--label', `a/${file}`, '--label', `b/${file}`, a, b], { reject: false });
  const patch = join(dir, '0001-bench.patch');
  await writeFile(
    patch,
    `From: cxl-harness bench <bench@cxl-harness.invalid>\nSubject: [PATCH] cxl/region: bench comment\n\n---\n${diff.stdout}\n`,
  );
  return patch;
}
