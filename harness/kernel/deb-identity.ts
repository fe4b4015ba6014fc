// The .deb files a Debian kernel was unpacked from, in the private apt archive, with their SHA-256: what a bundle
// records so a replay can prove it runs the same binary.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { exists } from '../common/fs.ts';
import { cachePath } from '../common/paths.ts';

export interface DebIdentity {
  name: string;
  version: string;
  file?: string;
  sha256?: string;
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) h.update(chunk);
  return h.digest('hex');
}

/** apt names downloaded files <name>_<version with ":" as "%3a">_<arch>.deb. */
export async function debIdentity(packages: { name: string; version: string }[]): Promise<DebIdentity[]> {
  const archives = cachePath('apt', 'kernels', 'archives');
  const files = (await exists(archives)) ? await readdir(archives) : [];
  return Promise.all(
    packages.map(async (p) => {
      const file = files.find((f) => f.startsWith(`${p.name}_${p.version.replace(':', '%3a')}_`) && f.endsWith('.deb'));
      return { ...p, ...(file ? { file, sha256: await sha256File(join(archives, file)) } : {}) };
    }),
  );
}
