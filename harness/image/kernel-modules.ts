// Finds the modules the guest loads and everything they depend on, reading each module's own `depends=`.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { execa } from 'execa';
import { HarnessError } from '../common/errors.ts';
import { closure, modulesDepText, moduleDeps, readModinfo } from './modules-dep.ts';

export interface GuestModules {
  /** Load order, dependencies first: paths relative to the modules folder, without compression suffix. */
  order: string[];
  files: Map<string, Buffer>;
  modulesDep: string;
  /** Wanted names this kernel has built in (or lacks). */
  builtIn: string[];
}

const SUFFIX = /\.ko(\.xz|\.zst|\.gz)?$/;

async function listModules(dir: string): Promise<Map<string, string>> {
  const byName = new Map<string, string>();
  for (const entry of await readdir(join(dir, 'kernel'), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !SUFFIX.test(entry.name)) continue;
    byName.set(entry.name.replace(SUFFIX, '').replaceAll('-', '_'), relative(dir, join(entry.parentPath, entry.name)));
  }
  return byName;
}

async function decompress(path: string): Promise<Buffer> {
  const tool = path.endsWith('.xz') ? 'xz' : path.endsWith('.zst') ? 'zstd' : path.endsWith('.gz') ? 'gzip' : undefined;
  if (!tool) return readFile(path);
  const r = await execa(tool, ['-dc', path], { encoding: 'buffer' }).catch((err: unknown) => {
    throw new HarnessError(`could not decompress ${path} with ${tool}`, { stage: 'image', cause: err });
  });
  return Buffer.from(r.stdout);
}

/** Walks `depends=` from the wanted names; names without a module file are taken as built in. */
export async function collectModules(modulesDir: string, wanted: string[]): Promise<GuestModules> {
  const byName = await listModules(modulesDir);
  const loaded = new Map<string, { relPath: string; modinfo: Buffer }>();
  const queue = [...wanted];
  while (queue.length) {
    const name = queue.shift()!;
    const rel = byName.get(name);
    if (!rel || loaded.has(name)) continue;
    const ko = await decompress(join(modulesDir, rel));
    loaded.set(name, { relPath: rel.replace(SUFFIX, '.ko'), modinfo: ko });
    queue.push(...(readModinfo(ko).depends ?? []).flatMap((d) => d.split(',')).filter(Boolean));
  }
  const index = moduleDeps([...loaded.values()]);
  const { order } = closure(wanted, index);
  return {
    order: order.map((n) => index.get(n)!.relPath),
    files: new Map([...loaded.values()].map((m) => [m.relPath, m.modinfo])),
    modulesDep: modulesDepText(index, order),
    builtIn: wanted.filter((n) => !byName.has(n)),
  };
}
