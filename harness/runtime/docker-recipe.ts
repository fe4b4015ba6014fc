// The image recipe as build-context files (images/docker plus the host's site-local CAs), and the content hash that tags the image.
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { projectPath } from '../common/project.ts';

export interface RecipeFile {
  /** Path inside the build context, "/"-separated. */
  name: string;
  data: Buffer;
  mode: number;
}

/** Where Debian keeps certificate authorities added by the site (update-ca-certificates reads *.crt there). */
export const SITE_CA_DIR = '/usr/local/share/ca-certificates';
export const IMAGE_REPO = 'cxl-harness';

async function filesUnder(dir: string): Promise<string[]> {
  const names = (await readdir(dir, { recursive: true }).catch(() => [])) as string[];
  const files: string[] = [];
  for (const n of names.sort()) if ((await stat(join(dir, n))).isFile()) files.push(n);
  return files;
}

/** images/docker as the context, plus each site-local CA of the host as ca/site-<name>.crt (see images/docker/ca/README.md). */
export async function readRecipe(dir = projectPath('images/docker'), caDir = SITE_CA_DIR): Promise<RecipeFile[]> {
  const own = await Promise.all(
    (await filesUnder(dir)).map(async (n) => ({ name: n.split('\\').join('/'), data: await readFile(join(dir, n)), mode: (await stat(join(dir, n))).mode & 0o777 })),
  );
  const cas = await Promise.all(
    (await filesUnder(caDir))
      .filter((n) => n.endsWith('.crt'))
      .map(async (n) => ({ name: `ca/site-${n.replace(/[/\\]/g, '-')}`, data: await readFile(join(caDir, n)), mode: 0o644 })),
  );
  return [...own, ...cas];
}

/** sha256 over every context file (name, mode, bytes), the build arguments and the base image's id. */
export function recipeHash(files: RecipeFile[], buildArgs: Record<string, string>, baseId: string): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => a.name.localeCompare(b.name))) {
    h.update(`${f.name}\0${f.mode.toString(8)}\0${f.data.length}\0`);
    h.update(f.data);
  }
  h.update(JSON.stringify(Object.entries(buildArgs).sort()));
  h.update(`\0${baseId}`);
  return h.digest('hex');
}

/** "cxl-harness:<first 12 hex of the hash>": a changed recipe is a new tag, an unchanged one is found again. */
export function imageTag(hash: string): string {
  return `${IMAGE_REPO}:${hash.slice(0, 12)}`;
}

/** The build context as a tar stream. */
export function contextTar(files: RecipeFile[]): Readable {
  const p = pack();
  for (const f of files) p.entry({ name: f.name, mode: f.mode, mtime: new Date(0) }, f.data);
  p.finalize();
  return p as unknown as Readable;
}
