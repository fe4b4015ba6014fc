// The base kernel tree: Debian's linux-source-X.Y unpacked once per package version, or a copy of a local tree; each a git repo with a pristine commit.
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { HarnessError, inputError } from '../../common/errors.ts';
import { buildOnce, exists } from '../../common/fs.ts';
import { cachePath } from '../../common/paths.ts';
import { PrivateApt } from '../../debian/private-apt.ts';
import { HostRuntime } from '../../runtime/host.ts';
import type { Runtime } from '../../runtime/types.ts';
import { newest } from '../debian-names.ts';
import { PRISTINE } from './apply.ts';
import { git, gitTry } from './git.ts';

export interface BaseTree {
  /** What identifies the base's content in cache keys, e.g. "debian:linux-source-7.2=7.2.13-1". */
  identity: string;
  /** The package version, or the tree's kernel version and git commit. */
  version: string;
  /** A git repo whose PRISTINE tag is the untouched base. */
  dir: string;
  packages: { name: string; version: string }[];
}

const ACCEPTED = 'accepted: src:debian:<major.minor> (e.g. src:debian:7.2, from linux-source-7.2) or the path of a kernel source tree';
/** Suites that carry linux-source-X.Y: 6.1 (bookworm), 6.12 (trixie), 7.2 (sid), 7.3 (experimental). */
const SOURCE_SUITES = ['bookworm', 'trixie', 'sid', 'experimental'];

async function sh(script: string, args: string[], what: string, runtime: Runtime): Promise<void> {
  const all: string[] = [];
  const r = await runtime.run('bash', ['-o', 'pipefail', '-c', script, 'sh', ...args], { env: { LC_ALL: 'C' }, onLine: (line) => all.push(line) });
  if (r.exitCode !== 0) throw new HarnessError(`${what} failed`, { stage: 'kernel', details: all.slice(-8) });
}

/** Commits the tree as it is and tags it, so resets to the base and `git am --3way` are cheap. */
async function commitPristine(dir: string, label: string, runtime: Runtime): Promise<void> {
  await git(dir, ['init', '-q'], runtime);
  await git(dir, ['add', '-A', '-f', '.'], runtime);
  await git(dir, ['commit', '-q', '--no-verify', '-m', `pristine base: ${label}`], runtime);
  await git(dir, ['tag', PRISTINE], runtime);
}

async function debianBase(version: string, log: (line: string) => void, runtime: Runtime): Promise<BaseTree> {
  const name = `linux-source-${version}`;
  const apt = new PrivateApt('kernels', SOURCE_SUITES, 'kernel', log);
  await apt.ensureLists();
  const pick = await apt.memo(`source ${name}`, async () => {
    const versions = await apt.versions(name).catch(() => []);
    return (await newest(versions.map((v) => ({ name, version: v })))) ?? null;
  });
  if (!pick) throw inputError('command line', 'base', `src:debian:${version}`, `${ACCEPTED}; Debian has no ${name} in ${SOURCE_SUITES.join(', ')}`);
  const dir = cachePath('kernel-src', 'base', `${name}_${pick.version}`);
  await buildOnce(dir, async (tmp) => {
    log(`fetching and unpacking ${name} ${pick.version} (once per version)`);
    const [deb] = await apt.download([`${name}=${pick.version}`]);
    // The package holds one tarball, /usr/src/linux-source-X.Y.tar.xz; stream it out rather than unpack the .deb first.
    await sh('dpkg-deb --fsys-tarfile "$1" | tar -xO "./usr/src/$2.tar.xz" | tar -xJ --strip-components=1 -C "$3"', [deb!.path, name, tmp], `unpacking ${name}`, runtime);
    await commitPristine(tmp, `${name} ${pick.version}`, runtime);
  }, { what: `the unpacked ${name} ${pick.version}`, log });
  return { identity: `debian:${name}=${pick.version}`, version: pick.version, dir, packages: [{ name, version: pick.version }] };
}

/** "7.2.13" (+ EXTRAVERSION) from the top Makefile, without running make in the user's tree. */
async function makefileVersion(tree: string): Promise<string> {
  const text = await readFile(join(tree, 'Makefile'), 'utf8');
  const v = (k: string) => new RegExp(`^${k} = ?(.*)$`, 'm').exec(text)?.[1]?.trim() ?? '';
  return `${v('VERSION')}.${v('PATCHLEVEL')}.${v('SUBLEVEL')}${v('EXTRAVERSION')}`;
}

/** Content identity of a local tree: HEAD plus uncommitted changes for a git checkout, else every file's size and mtime. */
async function localIdentity(tree: string, runtime: Runtime): Promise<{ id: string; commit?: string }> {
  const hash = createHash('sha256');
  const head = await gitTry(tree, ['rev-parse', '--verify', '-q', 'HEAD'], {}, runtime);
  if (head.exitCode === 0 && (await exists(join(tree, '.git')))) {
    const status = await git(tree, ['status', '--porcelain=v1', '--untracked-files=all'], runtime);
    const diff = await git(tree, ['diff', 'HEAD', '--binary'], runtime);
    hash.update(`${head.stdout}\n${status}\n${diff}`);
    return { id: hash.digest('hex').slice(0, 20), commit: String(head.stdout).slice(0, 12) };
  }
  const files = (await readdir(tree, { recursive: true })).sort();
  for (const f of files) {
    const st = await stat(join(tree, f));
    if (st.isFile()) hash.update(`${f}\0${st.size}\0${st.mtimeMs}\n`);
  }
  return { id: hash.digest('hex').slice(0, 20) };
}

async function localBase(path: string, log: (line: string) => void, runtime: Runtime): Promise<BaseTree> {
  const tree = resolve(path);
  for (const f of ['Makefile', 'Kconfig', 'arch/x86/Kconfig']) {
    if (!(await exists(join(tree, f)))) throw inputError('command line', 'base', path, `${ACCEPTED} (${f} is missing)`);
  }
  const { id, commit } = await localIdentity(tree, runtime);
  const version = `${await makefileVersion(tree)}${commit ? ` (${commit})` : ''}`;
  const dir = cachePath('kernel-src', 'base', `local-${id}`);
  await buildOnce(dir, async (tmp) => {
    log(`copying ${tree} into the cache (once per content)`);
    // A copy, never the user's tree: its .git (possibly gigabytes) stays behind; build output is cleaned below.
    await sh('tar -C "$1" --exclude=./.git -cf - . | tar -C "$2" -xf -', [tree, tmp], `copying ${tree}`, runtime);
    // Out-of-tree builds refuse a source tree that has been configured or built in place.
    if ((await exists(join(tmp, '.config'))) || (await exists(join(tmp, 'include/config')))) {
      await sh('make -s -C "$1" mrproper', [tmp], `make mrproper in the copy of ${tree}`, runtime);
    }
    await commitPristine(tmp, `${tree} ${version}`, runtime);
  }, { what: `the cached copy of ${tree}`, log });
  return { identity: `local:${id}`, version, dir, packages: [] };
}

/** Resolves `src:debian:X.Y` or a local path to a cached pristine tree; git, tar and make run through `runtime`. */
export async function obtainBase(spec: string, log: (line: string) => void, runtime: Runtime = new HostRuntime()): Promise<BaseTree> {
  const debian = /^src:debian:(\d+\.\d+)$/.exec(spec);
  if (debian) return debianBase(debian[1]!, log, runtime);
  if (spec.startsWith('src:') || spec.startsWith('debian:')) throw inputError('command line', 'base', spec, ACCEPTED);
  return localBase(spec, log, runtime);
}
