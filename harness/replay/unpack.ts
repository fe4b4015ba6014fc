// A bundle's logical files laid out under one folder (scenario/…, topology/…, kernel/…), modes as recorded.
import { chmod, copyFile, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readBundle } from '../bundle/read.ts';
import type { TestManifest } from './manifest.ts';
import { testManifest } from './manifest.ts';

export interface Unpacked {
  manifest: TestManifest;
  /** Folder holding the logical files. */
  dir: string;
}

export async function unpackTestBundle(bundle: string, into: string): Promise<Unpacked> {
  const read = await readBundle(bundle, join(into, 'blobs'));
  const manifest = testManifest(bundle, read.manifest);
  const dir = join(into, 'files');
  for (const [name, blob] of read.files) {
    const to = join(dir, name);
    await mkdir(dirname(to), { recursive: true });
    await copyFile(blob, to);
    const mode = read.manifest.files[name]?.mode;
    if (mode !== undefined) await chmod(to, mode & 0o777);
  }
  await rm(join(into, 'blobs'), { recursive: true, force: true });
  return { manifest, dir };
}
