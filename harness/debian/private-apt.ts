// apt with its own sources, lists and archive folder (runs sharing it take turns to write), so other suites' packages are fetched without touching the host's apt state.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { HarnessError, type Stage } from '../common/errors.ts';
import { writeFileAtomic } from '../common/fs.ts';
import { withLock } from '../common/lock.ts';
import { cachePath } from '../common/paths.ts';
import { mib, progress } from '../common/progress.ts';

const MIRROR = 'http://deb.debian.org/debian';
const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
/** Package lists older than this are refreshed before a lookup. */
const LIST_MAX_AGE_MS = 24 * 3600 * 1000;

export interface DebFile {
  name: string;
  version: string;
  path: string;
}

export class PrivateApt {
  readonly root: string;

  constructor(
    readonly label: string,
    readonly suites: string[],
    private readonly stage: Stage,
    /** Receives the line saying this run waits for another run's apt. */
    private readonly log: (line: string) => void = () => {},
  ) {
    this.root = cachePath('apt', label);
  }

  /** Holds this folder's lock while apt writes to it; another run using the same folder waits. */
  private locked<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withLock(join(this.root, 'harness.lock'), `${what} (private apt "${this.label}")`, this.log, fn, { stage: this.stage });
  }

  private async listsFresh(): Promise<boolean> {
    return stat(join(this.root, 'lists', 'updated')).then(
      (s) => Date.now() - s.mtimeMs < LIST_MAX_AGE_MS,
      () => false,
    );
  }

  private options(): string[] {
    return [
      '-o', `Dir::Etc::SourceList=${join(this.root, 'sources.list')}`,
      '-o', 'Dir::Etc::SourceParts=/dev/null',
      '-o', `Dir::State::Lists=${join(this.root, 'lists')}`,
      '-o', `Dir::Cache=${join(this.root, 'cache')}`,
      '-o', `Dir::Cache::Archives=${join(this.root, 'archives')}`,
      '-o', 'Dir::State::Status=/dev/null',
      // The mirror is a frozen snapshot: expired Release files must still be accepted.
      '-o', 'Acquire::Check-Valid-Until=false',
      '-o', 'APT::Sandbox::User=root',
    ];
  }

  private async run(tool: 'apt-get' | 'apt-cache', args: string[], cwd?: string): Promise<string> {
    try {
      const r = await execa(tool, [...this.options(), ...args], { cwd, env: { LC_ALL: 'C' } });
      return r.stdout;
    } catch (err) {
      const e = err as { stderr?: string; shortMessage?: string };
      throw new HarnessError(`${tool} ${args.join(' ')} failed (private apt "${this.label}")`, {
        stage: this.stage,
        details: (e.stderr ?? '').split('\n').filter((l) => l.startsWith('E:')).slice(0, 8),
        cause: err,
      });
    }
  }

  /** Writes the sources and refreshes the lists when they are missing or older than a day. */
  async ensureLists(): Promise<void> {
    await mkdir(join(this.root, 'lists', 'partial'), { recursive: true });
    await mkdir(join(this.root, 'archives', 'partial'), { recursive: true });
    await mkdir(join(this.root, 'cache'), { recursive: true });
    const sources = this.suites.map((s) => `deb [signed-by=${KEYRING}] ${MIRROR} ${s} main\n`).join('');
    const list = join(this.root, 'sources.list');
    // Rewritten only when it changes, and atomically: another run's apt-cache may be reading it.
    if ((await readFile(list, 'utf8').catch(() => '')) !== sources) await writeFileAtomic(list, sources);
    if (await this.listsFresh()) return;
    await this.locked('the package lists', async () => {
      // Another run may have refreshed them while this one waited.
      if (await this.listsFresh()) return;
      await this.run('apt-get', ['update', '-q']);
      await writeFile(join(this.root, 'lists', 'updated'), `${this.suites.join(' ')}\n`);
    });
  }

  /**
   * Caches a lookup's answer for as long as the package lists stay the same, so a warm run asks apt nothing.
   * Call after ensureLists.
   */
  async memo<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const stamp = (await stat(join(this.root, 'lists', 'updated'))).mtimeMs;
    const file = join(this.root, 'memo', `${createHash('sha256').update(key).digest('hex').slice(0, 16)}.json`);
    const cached = await readFile(file, 'utf8').then((t) => JSON.parse(t) as { stamp: number; value: T }, () => undefined);
    // A miss (null) is never kept: it is cheap to redo, and a kept one would outlive a fix to the lookup.
    if (cached?.stamp === stamp && cached.value !== null) return cached.value;
    const value = await compute();
    if (value === null) return value;
    await mkdir(join(this.root, 'memo'), { recursive: true });
    await writeFileAtomic(file, JSON.stringify({ stamp, value }));
    return value;
  }

  /** Package names matching an apt-cache regular expression (names only). */
  async search(regex: string): Promise<string[]> {
    const out = await this.run('apt-cache', ['search', '--names-only', regex]);
    return out
      .split('\n')
      .map((l) => l.split(' - ')[0]!.trim())
      .filter(Boolean);
  }

  /** Every available version of a package. */
  async versions(name: string): Promise<string[]> {
    const out = await this.run('apt-cache', ['show', name]);
    return [...out.matchAll(/^Version: (.+)$/gm)].map((m) => m[1]!);
  }

  /** Names in the dependency closure of `names` (Depends and Pre-Depends only), virtual packages dropped. */
  async closure(names: string[]): Promise<string[]> {
    const out = await this.run('apt-cache', [
      'depends', '--recurse', '--no-recommends', '--no-suggests', '--no-conflicts',
      '--no-breaks', '--no-replaces', '--no-enhances', ...names,
    ]);
    return [...new Set(out.split('\n').filter((l) => /^[a-z0-9]/.test(l)))].sort();
  }

  /** Downloads `name=version` specs (or plain names) into the archive folder; returns the .deb paths. */
  /** Runs `fetch` while reporting bytes arrived in `dir` against the packages' sizes from the lists. */
  private async watched<T>(specs: string[], dir: string, fetch: () => Promise<T>): Promise<T> {
    const sizes = await this.run('apt-cache', ['show', '--no-all-versions', ...specs]).then((out) => [...out.matchAll(/^Size: (\d+)$/gm)].reduce((a, m) => a + Number(m[1]), 0), () => 0);
    const before = new Set([...(await readdir(dir)), ...(await readdir(join(dir, 'partial')).catch(() => []))]);
    const p = progress(this.log);
    const what = `downloading ${specs.length === 1 ? specs[0] : `${specs.length} packages`}`;
    const timer = setInterval(() => {
      void newBytes([dir, join(dir, 'partial')], before).then((got) => p.update(`${what}: ${mib(got)}${sizes ? ` of ${mib(sizes)}` : ''}`));
    }, 1000);
    const t0 = Date.now();
    try {
      return await fetch();
    } finally {
      clearInterval(timer);
      p.done(`${what}: ${mib(sizes || (await newBytes([dir], before)))} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  }

  async download(specs: string[]): Promise<DebFile[]> {
    const dir = join(this.root, 'archives');
    const wanted = specs.map((s) => {
      const [name, version] = s.split('=') as [string, string | undefined];
      return { name, version };
    });
    const have = await readdir(dir);
    const find = (name: string, version?: string) =>
      have.find((f) => f.startsWith(`${name}_`) && f.endsWith('.deb') && (!version || f.startsWith(`${name}_${debFileVersion(version)}_`)));
    const missing = () => wanted.filter((w) => !find(w.name, w.version)).map((w) => (w.version ? `${w.name}=${w.version}` : w.name));
    if (missing().length) {
      await this.locked('the package download folder', async () => {
        // Another run may have fetched some of them while this one waited.
        have.splice(0, have.length, ...(await readdir(dir)));
        const still = missing();
        if (still.length) await this.watched(still, dir, () => this.run('apt-get', ['download', '-q', ...still], dir));
      });
      have.splice(0, have.length, ...(await readdir(dir)));
    }
    return wanted.map((w) => {
      const file = find(w.name, w.version);
      if (!file) throw new HarnessError(`apt-get download gave no file for ${w.name}`, { stage: this.stage });
      const version = decodeURIComponent(file.split('_')[1]!);
      return { name: w.name, version, path: join(dir, file) };
    });
  }
}

/** Sum of the sizes of regular files in `dirs` whose names are not in `before`. */
async function newBytes(dirs: string[], before: Set<string>): Promise<number> {
  let sum = 0;
  for (const d of dirs) {
    for (const f of await readdir(d).catch(() => [] as string[])) {
      if (before.has(f)) continue;
      sum += await stat(join(d, f)).then((s) => (s.isFile() ? s.size : 0), () => 0);
    }
  }
  return sum;
}

/** apt stores an epoch's colon as %3a in file names. */
function debFileVersion(version: string): string {
  return version.replace(':', '%3a');
}
