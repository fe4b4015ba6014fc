// Which host folders a container gets, bind-mounted at the same absolute path: the cache, the run's folders, and what argv names.
import { stat } from 'node:fs/promises';
import { dirname, isAbsolute, normalize, sep } from 'node:path';

/** The image's own system folders: never shadowed by the host's. */
const SYSTEM = ['/usr', '/lib', '/lib32', '/lib64', '/libx32', '/bin', '/sbin', '/etc', '/dev', '/proc', '/sys', '/run', '/boot'];
/** Top-level folders too broad to mount whole: a file directly inside one is mounted alone. */
const BROAD = ['/', '/tmp', '/home', '/root', '/var', '/opt', '/srv', '/mnt', '/media'];
/** Options whose value is free text (the kernel command line), not paths. */
const TEXT_OPTIONS = new Set(['-append']);

function under(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : `${dir}${sep}`);
}

export function isSystemPath(path: string): boolean {
  return SYSTEM.some((d) => under(path, d));
}

export function isBroad(path: string): boolean {
  return BROAD.includes(path);
}

/** Absolute paths named in argv, alone or as option values ("file=/x", "a,b=/y", "O=/z"); the kernel command line is skipped. */
export function pathsInArgv(argv: string[]): string[] {
  const found: string[] = [];
  for (const [i, arg] of argv.entries()) {
    if (i > 0 && TEXT_OPTIONS.has(argv[i - 1]!)) continue;
    for (const token of arg.split(/[,=]/)) if (isAbsolute(token)) found.push(normalize(token));
  }
  return [...new Set(found)];
}

/** What the host has at a path: a folder, a file, or nothing (then the nearest folder above it that exists). */
export type PathKind = { path: string; kind: 'dir' } | { path: string; kind: 'file' } | { path: string; kind: 'missing'; existing: string };

/** The host path to mount so that `p` is reachable in the container, or undefined when it must not (or cannot) be. */
export function mountFor(p: PathKind): string | undefined {
  const pick = (candidate: string) => (isSystemPath(candidate) || isBroad(candidate) ? undefined : candidate);
  if (isSystemPath(p.path)) return undefined;
  switch (p.kind) {
    case 'dir':
      return pick(p.path);
    case 'file':
      // The folder, so files made beside it later are seen too; a file directly in /tmp alone.
      return pick(dirname(p.path)) ?? pick(p.path);
    case 'missing':
      return pick(p.existing);
  }
}

/** Deduplicated mount roots: a folder inside another mounted one is dropped; sorted for stable container specs. */
export function mountRoots(paths: (string | undefined)[]): string[] {
  const list = [...new Set(paths.filter((p): p is string => !!p).map((p) => normalize(p)))].sort();
  return list.filter((p) => !list.some((q) => q !== p && under(p, q)));
}

/** Looks a path up on the host (impure half of mountFor). */
export async function pathKind(path: string): Promise<PathKind> {
  const st = await stat(path).catch(() => undefined);
  if (st) return st.isDirectory() ? { path, kind: 'dir' } : { path, kind: 'file' };
  let up = dirname(path);
  while (up !== dirname(up) && !(await stat(up).catch(() => undefined))) up = dirname(up);
  return { path, kind: 'missing', existing: up };
}

/** Mount roots for a command: the always-mounted folders, its working folder, and every absolute path its argv names. */
export async function mountsFor(always: string[], argv: string[], cwd?: string): Promise<string[]> {
  const wanted = [...always, ...(cwd ? [cwd] : []), ...pathsInArgv(argv)];
  return mountRoots(await Promise.all(wanted.map(async (p) => mountFor(await pathKind(p)))));
}
