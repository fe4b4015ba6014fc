// Base kernel + series under test + config fragment → a cached bzImage with everything built in (patch validation's build half).
import { createHash } from 'node:crypto';
import { copyFile, cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { EXIT, HarnessError } from '../../common/errors.ts';
import { buildOnce, exists } from '../../common/fs.ts';
import { withLock } from '../../common/lock.ts';
import { cachePath } from '../../common/paths.ts';
import { HostRuntime } from '../../runtime/host.ts';
import type { Runtime } from '../../runtime/types.ts';
import type { KernelImage } from '../types.ts';
import { applySeries } from './apply.ts';
import { obtainBase, type BaseTree } from './base.ts';
import { buildKey, configHash, configInputsKey, fragmentsHash, inputKey, treeKey } from './cache-key.ts';
import { compileErrors, formatCompileError } from './compile-errors.ts';
import { configure, harnessFragmentPath, parseConfig, readFragment, type Fragment } from './config.ts';
import { git } from './git.ts';
import { jobs, kbuildArgs, kbuildEnv } from './kbuild.ts';
import { BuildProgress } from './progress.ts';
import { readSeries, type Patch } from './series.ts';

export interface SourceBuildOptions {
  /** 'src:debian:7.2' or the path of a kernel tree. */
  base: string;
  /** Series paths: an mbox, a folder of numbered .patch files, or patch files. */
  series?: string[];
  /**
   * Apply only the first `patches` patches of the series, in patch order (run --bisect-series builds base + 1..k);
   * the whole series when absent. The cache keys follow the patches applied, so a prefix is its own cached kernel.
   */
  patches?: number;
  /** A config fragment merged over images/kernel/harness.config. */
  fragment?: string;
  /** Receives kernel-build.log. */
  artifactsDir: string;
  log: (line: string) => void;
  signal?: AbortSignal;
  /** Where git, make and the base's unpacking run: the host (default) or the harness image (--runtime docker). */
  runtime?: Runtime;
}

export interface SourceInfo {
  base: string;
  baseVersion: string;
  /** sha256: hex digest of the patch text as applied (KCIDB's patchset hash is built from these). */
  series: { number: number; subject: string; author: string; sha256: string }[];
  configHash: string;
  /** CONFIG_CC_VERSION_TEXT of the build, e.g. "gcc (Debian 12.2.0-14+deb12u1) 12.2.0". */
  compiler: string;
}

export type SourceKernel = KernelImage & { source: SourceInfo };

/** What a finished build folder records next to bzImage, .config and build.log. */
interface BuildRecord extends SourceInfo {
  release: string;
  packages: { name: string; version: string }[];
}

const LOG_NAME = 'kernel-build.log';

function root(...parts: string[]): string {
  return cachePath('kernel-src', ...parts);
}

async function readJson<T>(file: string): Promise<T | undefined> {
  return readFile(file, 'utf8').then((t) => JSON.parse(t) as T, () => undefined);
}

/** A finished build by key, its log copied into the run's artifacts; undefined when there is none. */
async function finished(key: string, opts: SourceBuildOptions): Promise<SourceKernel | undefined> {
  const dir = root('builds', key);
  const record = await readJson<BuildRecord>(join(dir, 'series.json'));
  if (!record) return undefined;
  await mkdir(opts.artifactsDir, { recursive: true });
  await copyFile(join(dir, 'build.log'), join(opts.artifactsDir, LOG_NAME));
  const { release, packages, ...source } = record;
  const selftests = join(dir, 'selftests');
  return { spec: opts.base, release, vmlinuz: join(dir, 'bzImage'), packages, source, ...((await exists(selftests)) ? { selftests } : {}) };
}

/** The kselftests the series touches, with kselftest's own helpers: the tree is reset for the next build, these stay. */
async function keepSelftests(src: string, patches: Patch[], into: string): Promise<void> {
  const dirs = new Set(patches.flatMap((p) => p.hunks.map((h) => /^tools\/testing\/selftests\/([^/]+)\//.exec(h.file)?.[1]).filter((d): d is string => d !== undefined && d !== 'kselftest')));
  if (!dirs.size) return;
  for (const d of ['kselftest', ...dirs]) {
    const from = join(src, 'tools/testing/selftests', d);
    if (await exists(from)) await cp(from, join(into, 'tools/testing/selftests', d), { recursive: true });
  }
}

/** Ctrl-C between stages: make is cancelled through the runtime, the quicker stages are checked between. */
function interrupted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new HarnessError('kernel build interrupted', { stage: 'kernel', exitCode: EXIT.interrupted });
}

/** Runs make for bzImage, streaming output to the log file and progress to the terminal; compile errors → HarnessError. */
async function make(src: string, out: string, logFile: string, progress: BuildProgress, runtime: Runtime, signal?: AbortSignal): Promise<void> {
  const stream = createWriteStream(logFile);
  const r = await runtime.run('make', [...kbuildArgs(src, out), `-j${jobs()}`, 'bzImage'], {
    env: kbuildEnv(),
    ...(signal ? { signal } : {}),
    onLine: (line) => {
      stream.write(`${line}\n`);
      progress.line(line);
    },
  });
  await new Promise((done) => stream.end(done));
  interrupted(signal);
  if (r.exitCode === 0) return;
  const errors = compileErrors(await readFile(logFile, 'utf8'), [src, out]);
  throw new HarnessError(`kernel build failed${errors.length ? `: ${errors.length} error(s)` : ''}`, {
    stage: 'kernel',
    details: [...errors.slice(0, 10).map(formatCompileError), ...(errors.length > 10 ? [`… ${errors.length - 10} more`] : []), `full log: ${logFile}`],
  });
}

/** Clones the base into a tree's src once; build output goes to its out folder, which resets never touch. */
async function prepareTree(base: BaseTree, key: string, runtime: Runtime): Promise<{ src: string; out: string }> {
  const src = root('trees', key, 'src');
  const out = root('trees', key, 'out');
  // --shared borrows the base's objects: the clone costs a checkout, not a second copy of history.
  await buildOnce(src, async (tmp) => {
    await git(tmp, ['clone', '-q', '--shared', base.dir, '.'], runtime);
  });
  await mkdir(out, { recursive: true });
  return { src, out };
}

/** The compiler's and linker's version lines, which Kconfig records in .config (CC_VERSION_TEXT, LD_VERSION). */
async function toolchain(runtime: Runtime): Promise<string> {
  const lines = await Promise.all(['gcc', 'ld'].map(async (tool) => (await runtime.run(tool, ['--version'])).stdout.split('\n')[0] ?? ''));
  return lines.join('\n');
}

async function stepCounts(): Promise<Record<string, number>> {
  return (await readJson<Record<string, number>>(root('steps.json'))) ?? {};
}

async function build(
  opts: SourceBuildOptions,
  base: BaseTree,
  patches: Patch[],
  fragments: Fragment[],
  memo: string,
  runtime: Runtime,
): Promise<SourceKernel> {
  const tree = treeKey(base.identity, fragments);
  await mkdir(root('trees', tree), { recursive: true });
  return withLock(root('trees', tree, 'build.lock'), `the kernel build tree ${root('trees', tree)}`, opts.log, async () => {
    const { src, out } = await prepareTree(base, tree, runtime);
    opts.log(patches.length ? `applying ${patches.length} patch(es) on ${base.identity}` : `no series: building ${base.identity} as is`);
    await applySeries(src, patches, opts.log, runtime);
    interrupted(opts.signal);
    const config = await configure(src, out, fragments, configInputsKey(fragments, patches, await toolchain(runtime)), opts.log, runtime);
    interrupted(opts.signal);
    const key = buildKey(base.identity, patches, config);
    const known = await finished(key, opts);
    if (known) {
      opts.log(`kernel from cache (same base, series and final .config): ${root('builds', key)}`);
      await writeFile(memo, JSON.stringify({ key }));
      return known;
    }
    await mkdir(opts.artifactsDir, { recursive: true });
    const logFile = join(resolve(opts.artifactsDir), LOG_NAME);
    // A percentage needs a previous full build of the same requested config (any base version); incremental builds show counts.
    const cold = !(await exists(join(out, 'vmlinux')));
    const counts = await stepCounts();
    const progress = new BuildProgress(opts.log, cold ? counts[fragmentsHash(fragments)] : undefined);
    opts.log(`building bzImage (make -j${jobs()}, ccache${cold ? ', cold tree' : ', incremental'}); log: ${logFile}`);
    const started = Date.now();
    await make(src, out, logFile, progress, runtime, opts.signal);
    opts.log(`built in ${Math.round((Date.now() - started) / 1000)} s, ${progress.steps} steps`);
    if (cold) await writeFile(root('steps.json'), JSON.stringify({ ...counts, [fragmentsHash(fragments)]: progress.steps }));
    const rel = await runtime.run('make', ['-s', ...kbuildArgs(src, out), 'kernelrelease'], { env: kbuildEnv() });
    if (rel.exitCode !== 0) throw new HarnessError('make kernelrelease failed', { stage: 'kernel', details: rel.stderr.split('\n').slice(-8) });
    const release = rel.stdout.trim();
    const record: BuildRecord = {
      base: opts.base,
      baseVersion: base.version,
      series: seriesInfo(patches),
      configHash: configHash(config),
      compiler: parseConfig(config).get('CC_VERSION_TEXT')?.replace(/^"|"$/g, '') ?? 'unknown',
      release,
      packages: base.packages,
    };
    await buildOnce(root('builds', key), async (tmp) => {
      await copyFile(join(out, 'arch/x86/boot/bzImage'), join(tmp, 'bzImage'));
      await writeFile(join(tmp, '.config'), config);
      await copyFile(logFile, join(tmp, 'build.log'));
      await writeFile(join(tmp, 'series.json'), `${JSON.stringify(record, null, 2)}\n`);
      await keepSelftests(src, patches, join(tmp, 'selftests'));
    });
    await writeFile(memo, JSON.stringify({ key }));
    return (await finished(key, opts))!;
  }, { signal: opts.signal, stage: 'kernel' });
}

function seriesInfo(patches: Patch[]): SourceInfo['series'] {
  return patches.map((p) => ({ number: p.number, subject: p.subject, author: p.author, sha256: createHash('sha256').update(p.text).digest('hex') }));
}

/** The patches a build applies: the series, or its first `count` patches. */
export function seriesPrefix(series: Patch[], count: number | undefined): Patch[] {
  if (count === undefined) return series;
  if (!Number.isInteger(count) || count < 0 || count > series.length) {
    throw new HarnessError(`cannot apply the first ${count} patch(es) of a series of ${series.length}`, { stage: 'input' });
  }
  return series.slice(0, count);
}

export async function buildSourceKernel(opts: SourceBuildOptions): Promise<SourceKernel> {
  const patches = seriesPrefix(opts.series?.length ? await readSeries(opts.series) : [], opts.patches);
  const fragments = [{ ...(await readFragment(harnessFragmentPath())), file: 'images/kernel/harness.config' }, ...(opts.fragment ? [await readFragment(opts.fragment)] : [])];
  const runtime = opts.runtime ?? new HostRuntime();
  const base = await obtainBase(opts.base, opts.log, runtime);
  // Same inputs as a finished build: no tree, no make, just the cached folder.
  const memo = root('memo', `${inputKey(base.identity, patches, fragments)}.json`);
  const hit = await readJson<{ key: string }>(memo);
  const cached = hit && (await finished(hit.key, opts));
  // The series is described from the patches given, so records written before a field existed still report it.
  const described = (k: SourceKernel): SourceKernel => ({ ...k, source: { ...k.source, series: seriesInfo(patches) } });
  if (cached) {
    opts.log(`kernel from cache: ${root('builds', hit.key)}`);
    return described(cached);
  }
  await mkdir(root('memo'), { recursive: true });
  return described(await build(opts, base, patches, fragments, memo, runtime));
}
