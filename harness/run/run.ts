// A whole run: validate every input, provision, obtain each kernel and its image, then the matrix of boot groups in
// parallel; one report, written on every path.
import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { EXIT, HarnessError, inputError, stopped } from '../common/errors.ts';
import { provisionHost } from '../host/provision.ts';
import { probeQemu, QEMU } from '../qemu/binary.ts';
import { buildGuestImage } from '../image/build.ts';
import { obtainKernel } from '../kernel/fetch.ts';
import { readFragment } from '../kernel/source/config.ts';
import { missingBuildPackages } from '../kernel/source/host-deps.ts';
import { readSeries } from '../kernel/source/series.ts';
import { parseKernelSpec, type KernelSpec } from '../kernel/spec.ts';
import { seriesForPatches } from '../model/series/registry.ts';
import { assignShards, type Shard } from '../matrix/shard.ts';
import type { BootReport, KernelReport, RunReport, StepRecord, TestReport } from '../report/types.ts';
import { REPORT_SCHEMA_VERSION } from '../report/types.ts';
import { compareReports } from '../report/compare.ts';
import { testKey } from '../report/test-id.ts';
import { exitCodeFor, runVerdict } from '../report/verdict.ts';
import { writeOutputs, type OutputFiles } from '../report/write.ts';
import type { Runtime } from '../runtime/types.ts';
import { loadScenarios } from '../scenario/load.ts';
import type { Scenario } from '../scenario/types.ts';
import { loadTopologies, type LoadedTopology } from '../topology/load.ts';
import { hostMemoryMiB } from '../topology/place.ts';
import { prepareArtifacts } from './artifacts.ts';
import { firstBadPatches, judge, type Judgement } from './bisect-series.ts';
import { bootOptionsOf, discardSpare, runGroup, type BundlePolicy, type GroupOptions, type KeepPolicy, type Spare } from './group.ts';
import { Holds } from './hold.ts';
import type { SnapshotCache } from '../snapshot/cache.ts';
import { bootKey, oneDevice, prepareNext } from '../snapshot/start.ts';
import { HARNESS_VERSION } from './version.ts';
import { diffSurface, touched } from './surface.ts';
import { seriesCheck } from './series-check.ts';
import { bootGroups, buildJobs, type BootGroup, type Job, type PreparedKernel } from './matrix.ts';
import { defaultJobs, memoryBudgetMiB, QEMU_OVERHEAD_MIB, schedule, scheduleOrder } from './schedule.ts';


export interface RunOptions {
  scenarios: string[];
  kernels: string[];
  modules?: string;
  series: string[];
  configFragment?: string;
  topologies: string[];
  append: string[];
  /** Only these variants (all when empty). */
  variants: string[];
  artifacts: string;
  jobs?: number;
  shard?: Shard;
  runtime: Runtime;
  timeoutScale: number;
  docStrict: boolean;
  outputs: OutputFiles;
  /** Also run the base kernel (each src: kernel without the series) and compare: what did the series change? */
  baseline: boolean;
  /** A series run fails when the series adds drivers or attributes no scenario step touches (implies baseline). */
  strictSeries: boolean;
  /** With baseline: for each regressed test, find the first patch of the series that brings it (builds base + 1..k). */
  bisectSeries?: boolean;
  /** Which tests get a reproduction bundle (default: those that fail, gap or error). */
  bundle?: BundlePolicy;
  /** Restore post-boot snapshots instead of booting where QEMU's restore is faithful (--snapshots). */
  snapshots?: SnapshotCache;
  /** Which guests stay running after their test, and who holds them (session.ts waits, then releases). */
  keep?: { policy: KeepPolicy; holds: Holds };
  signal?: AbortSignal;
  events: {
    log(line: string): void;
    testStart(job: Job, sharedBoot: boolean): void;
    step(job: Job, r: StepRecord): void;
    testEnd(job: Job, r: TestReport): void;
    /** How many tests this run will end (after sharding) and how many VMs run at once. */
    plan?(tests: number, vms: number): void;
  };
}

export interface Inputs {
  specs: KernelSpec[];
  scenarios: Scenario[];
  topologies: LoadedTopology[];
  /** Subjects of the --series patches, in order. */
  subjects: string[];
}

/** How a kernel is named in test ids: its spec, and the series applied to it ("[1..k]" when only its first k patches are). */
export function kernelLabel(spec: KernelSpec): string {
  if (spec.kind !== 'source' || !spec.series.length) return spec.text;
  return `${spec.text}+${spec.series.map((p) => basename(p).replace(/\.(mbox|mbx|patch)$/, '')).join('+')}${spec.patches !== undefined ? `[1..${spec.patches}]` : ''}`;
}

/** Everything the user gave, checked before anything starts (a series is parsed here, applied later). */
export async function loadInputs(o: Pick<RunOptions, 'scenarios' | 'kernels' | 'modules' | 'topologies' | 'series' | 'configFragment' | 'variants'> & { baseline?: boolean }): Promise<Inputs> {
  const options = { ...(o.modules ? { modules: o.modules } : {}), ...(o.configFragment ? { fragment: o.configFragment } : {}) };
  const specs = o.kernels.flatMap((k) => {
    const head = parseKernelSpec(k, { ...options, series: o.series });
    if (!o.baseline) return [head];
    if (head.kind !== 'source' || !head.series.length) throw inputError('command line', '--baseline', k, 'a --kernel src:… with --series: the baseline is the same tree without the series');
    return [parseKernelSpec(k, options), head];
  });
  const patches = o.series.length ? await readSeries(o.series) : [];
  if (o.configFragment) await readFragment(o.configFragment);
  const scenarios = (await Promise.all(o.scenarios.map((p) => loadScenarios(p)))).flat();
  const topologies = (await Promise.all(o.topologies.map((t) => loadTopologies(t)))).flat().filter((t, i, all) => all.findIndex((x) => x.hash === t.hash) === i);
  if (o.variants.length && !scenarios.some((s) => s.variants.some((v) => o.variants.includes(v.name)))) {
    throw inputError('command line', '--variant', o.variants.join(','), `one of: ${[...new Set(scenarios.flatMap((s) => s.variants.map((v) => v.name)))].join(', ')}`);
  }
  return { specs, scenarios, topologies, subjects: patches.map((p) => p.subject) };
}

async function prepareKernel(spec: KernelSpec, inputs: Inputs, dir: string, o: RunOptions): Promise<PreparedKernel> {
  const report: KernelReport = { spec: kernelLabel(spec), release: '', packages: [], timings: {} };
  let t = Date.now();
  o.events.log(`kernel ${spec.text} …`);
  const image = await obtainKernel(spec, { artifactsDir: dir, log: o.events.log, runtime: o.runtime, ...(o.signal ? { signal: o.signal } : {}) });
  report.release = image.release;
  report.packages = image.packages;
  if (image.source) report.source = image.source;
  report.timings.kernelMs = Date.now() - t;
  o.events.log(`kernel ${image.release} (${image.packages.map((p) => `${p.name} ${p.version}`).join(', ') || image.vmlinuz}) in ${report.timings.kernelMs} ms`);
  if (image.source) {
    const src = image.source;
    o.events.log(`  built from ${src.base} (${src.baseVersion}), config ${src.configHash}, ${src.compiler}`);
    for (const p of src.series) o.events.log(`  [${p.number}/${src.series.length}] ${p.subject} — ${p.author}`);
  }
  t = Date.now();
  const guest = await buildGuestImage(image, o.events.log);
  report.image = { key: guest.key, packages: guest.packages, modules: guest.modules };
  report.timings.imageMs = Date.now() - t;
  o.events.log(`guest image ${guest.key} in ${report.timings.imageMs} ms`);
  // The baseline kernel is the same spec without the series: it carries none of the series' definitions.
  const appliedSeries = spec.kind === 'source' && spec.series.length ? seriesForPatches(spec.patches !== undefined ? inputs.subjects.slice(0, spec.patches) : inputs.subjects) : [];
  const baseline = o.baseline && spec.kind === 'source' && !spec.series.length;
  return { spec: kernelLabel(spec), image, guest, appliedSeries, report, surface: new Set(), baseline };
}

export async function run(o: RunOptions): Promise<RunReport> {
  const t0 = Date.now();
  const startedAt = new Date(t0).toISOString();
  const inputs = await loadInputs(o);
  const dir = await prepareArtifacts(o.artifacts, startedAt.replace(/[:.]/g, '-'));
  const report: RunReport = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    harness: { version: HARNESS_VERSION },
    verdict: 'error',
    exitCode: EXIT.infra,
    startedAt,
    ...(o.shard ? { shard: o.shard } : {}),
    kernels: [],
    topologies: inputs.topologies.map((t) => ({ name: t.topology.name, file: t.file, hash: t.hash })),
    tests: [],
    boots: [],
    timings: { totalMs: 0 },
    artifacts: dir,
  };
  try {
    let t = Date.now();
    // In containers the harness image brings QEMU and the build tools; the host only unpacks Debian packages.
    report.qemu =
      o.runtime.name === 'host'
        ? await provisionHost(o.events.log, inputs.specs.some((s) => s.kind === 'source') ? await missingBuildPackages() : [])
        : (await probeQemu(QEMU, o.runtime)).version;
    report.timings.provisionMs = Date.now() - t;
    const kernels: PreparedKernel[] = [];
    for (const spec of inputs.specs) {
      const k = await prepareKernel(spec, inputs, dir, o);
      kernels.push(k);
      report.kernels.push(k.report);
    }
    if (o.series.length && !kernels.some((k) => k.appliedSeries.length)) {
      o.events.log(`note: no series definition in scenarios/series/ matches the patches given (${inputs.subjects.length}); only stock scenarios judge this kernel`);
    }
    const jobs = buildJobs(kernels, inputs.topologies, inputs.scenarios, o.variants, o.append);
    let groups = bootGroups(jobs, (j) => groupMemoryMiB(j, o));
    if (o.shard) {
      const mine = new Set(assignShards(groups.map((g) => ({ id: g.key, weight: g.weight })), o.shard.count)[o.shard.index - 1]);
      groups = groups.filter((g) => mine.has(g.key));
    }
    const budget = memoryBudgetMiB();
    const parallel = o.jobs ?? defaultJobs(groups, budget);
    o.events.log(`${jobs.length} test(s) in ${groups.length} boot group(s)${o.shard ? ` (shard ${o.shard.index}/${o.shard.count})` : ''}, up to ${parallel} VM(s) at once`);
    o.events.plan?.(groups.reduce((n, g) => n + g.jobs.length, 0), parallel);
    let boots = 0;
    const { tests, failures } = await runGroups(groups, parallel, budget, {
      ...sharedGroupOptions(o, report, dir),
      nextBoot: () => ++boots,
      bundle: o.bundle ?? 'failures',
      keep: o.keep?.policy ?? 'never',
      onStart: o.events.testStart,
      onStep: o.events.step,
      onEnd: (job, r) => o.events.testEnd(job, r),
      onBoot: (b: BootReport) => report.boots.push(b),
    });
    report.tests.push(...tests);
    if (o.signal?.aborted) throw stopped(o.signal, 'steps');
    if (failures.length) throw failures[0];
    report.tests.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    report.boots.sort((a, b) => a.index - b.index);
    for (const k of kernels) k.report.surface = [...k.surface].sort();
    const series = seriesCheck(kernels, report.tests);
    if (series) report.error = series;
    report.verdict = series ? 'fail' : runVerdict(report.tests);
    report.exitCode = series ? EXIT.kernel : exitCodeFor(report, { docStrict: o.docStrict });
    if (o.baseline) {
      const [base, head] = kernels as [PreparedKernel, PreparedKernel];
      report.baseline = baselineOf(report, base, head);
      // The question is what the series changed: only a regression (or a broken run, or a series never tested) fails it.
      if (!series && (report.exitCode === EXIT.kernel || report.exitCode === EXIT.pass)) report.exitCode = report.baseline.regressed ? EXIT.kernel : EXIT.pass;
      if (o.strictSeries && report.baseline.surface.untested.length && report.exitCode === EXIT.pass) {
        report.exitCode = EXIT.kernel;
        report.error = `--strict-series: the series adds what no scenario step touches: ${report.baseline.surface.untested.map((x) => x.replace('\t', ' ')).join(', ')}`;
      }
      const headSpec = inputs.specs[1]!;
      if (o.bisectSeries && headSpec.kind === 'source') await bisectSeries(report, kernels as [PreparedKernel, PreparedKernel], headSpec, inputs, dir, o, () => ++boots);
    }
  } catch (err) {
    report.error = err instanceof HarnessError ? err.format() : String(err);
    report.verdict = 'error';
    report.exitCode = err instanceof HarnessError ? err.exitCode : EXIT.infra;
    throw err;
  } finally {
    report.timings.totalMs = Date.now() - t0;
    await writeFile(join(dir, 'report.json'), JSON.stringify(report, null, 2));
    await writeOutputs(report, o.outputs);
  }
  return report;
}

/** Base kernel against base + series: per test what changed, and what the series added to the ABI that no step touched. */
function baselineOf(report: RunReport, base: PreparedKernel, head: PreparedKernel): NonNullable<RunReport['baseline']> {
  const part = (k: PreparedKernel): RunReport => ({ ...report, kernels: [k.report], tests: report.tests.filter((t) => t.kernel === k.spec), boots: report.boots.filter((b) => b.kernel === k.spec) });
  const c = compareReports(part(base), part(head));
  const surface = diffSurface([...base.surface], [...head.surface], touched(report.tests.filter((t) => t.kernel === head.spec)));
  return { base: base.spec, head: head.spec, regressed: c.regressed, tests: c.tests, surface };
}

type Bisect = NonNullable<NonNullable<RunReport['baseline']>['bisect']>[number];

/**
 * --bisect-series: for each test the series regressed or changed an errno of, the first patch that does it, by binary
 * search over base + 1..k (firstBadPatches). A probe builds its prefix as any source kernel is built (cached by
 * content, incrementally in the same tree) and reruns only the tests still open at it; each is judged against its run
 * on the base. A prefix that does not build decides nothing.
 */
async function bisectSeries(
  report: RunReport,
  [base, head]: [PreparedKernel, PreparedKernel],
  headSpec: Extract<KernelSpec, { kind: 'source' }>,
  inputs: Inputs,
  dir: string,
  o: RunOptions,
  nextBoot: () => number,
): Promise<void> {
  const baseline = report.baseline!;
  const series = head.report.source?.series ?? [];
  const byId = new Map(report.tests.map((t) => [t.id, t]));
  const regressed = baseline.tests
    .filter((c) => c.change === 'regressed' || c.change === 'changed errno')
    .map((c) => byId.get(c.id))
    .filter((t): t is TestReport => t?.kernel === head.spec);
  if (!regressed.length || !series.length) return;
  const baseTests = report.tests.filter((t) => t.kernel === base.spec);
  const trail: Bisect[] = (baseline.bisect = []);
  const name = (i: number) => `[${i}/${series.length}] ${series[i - 1]!.subject}`;
  o.events.log(`\nbisecting the series (${series.length} patches) for ${regressed.length} test(s) it regressed: base + 1..k, the regressed tests only`);
  const budget = memoryBudgetMiB();
  const probe = async (k: number, keys: string[]): Promise<Map<string, Judgement>> => {
    const spec = { ...headSpec, patches: k };
    const entry: Bisect = { patches: k, kernel: kernelLabel(spec), kernelMs: 0, tests: [] };
    trail.push(entry);
    o.events.log(`\nbase + 1..${k} (up to ${name(k)}): ${keys.length} test(s)`);
    let kernel: PreparedKernel;
    try {
      kernel = await prepareKernel(spec, inputs, join(dir, 'bisect', `1..${k}`), o);
    } catch (err) {
      // Only a kernel that cannot be built is skipped; a broken run or Ctrl-C ends the bisection like the run.
      if (!(err instanceof HarnessError) || err.stage !== 'kernel' || err.exitCode === EXIT.interrupted || o.signal?.aborted) throw err;
      entry.error = err.message;
      o.events.log(`  base + 1..${k}: ${err.message}; this prefix decides nothing`);
      return new Map();
    }
    entry.kernelMs = kernel.report.timings.kernelMs ?? 0;
    const wanted = new Set(keys);
    const jobs = buildJobs([kernel], inputs.topologies, inputs.scenarios, o.variants, o.append).filter((j) =>
      wanted.has(testKey({ topology: j.topology.topology.name, scenario: j.scenario.name, variant: j.variant.name })),
    );
    const groups = bootGroups(jobs, (j) => groupMemoryMiB(j, o));
    const quiet = () => {};
    const { tests, failures } = await runGroups(groups, o.jobs ?? defaultJobs(groups, budget), budget, {
      ...sharedGroupOptions(o, report, dir),
      nextBoot,
      bundle: 'never',
      keep: 'never',
      onStart: quiet,
      onStep: quiet,
      onEnd: quiet,
      onBoot: quiet,
    });
    if (o.signal?.aborted) throw stopped(o.signal, 'steps');
    if (failures.length) throw failures[0];
    const compared = compareReports({ ...report, kernels: [base.report], tests: baseTests }, { ...report, kernels: [kernel.report], tests });
    const answers = new Map<string, Judgement>();
    for (const t of tests.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
      const c = compared.tests.find((x) => x.id === t.id);
      const j = c ? judge(c.change, t.verdict) : 'skip';
      answers.set(testKey(t), j);
      entry.tests.push({ id: t.id, verdict: t.verdict, change: c?.change ?? 'new' });
      o.events.log(`  ${j === 'bad' ? 'BAD ' : j === 'good' ? 'good' : 'skip'} ${t.id}: ${c?.change ?? 'not compared'}${c?.detail ? ` (${c.detail})` : ''}`);
    }
    return answers;
  };
  const found = await firstBadPatches(series.length, [...new Set(regressed.map(testKey))], probe);
  o.events.log('');
  for (const t of regressed) {
    const f = found.get(testKey(t))!;
    t.firstBadPatch = { index: f.index, subject: series[f.index - 1]!.subject, ...(f.candidates ? { candidates: f.candidates } : {}) };
    const unsure = f.candidates ? ` or before it (prefixes in between could not be judged): one of patches ${f.candidates.join(', ')}` : '';
    o.events.log(`first bad patch for ${t.id}: ${name(f.index)}${unsure}`);
  }
}

/** What every group of a run shares, for the run itself and for the bisection's probes. */
function sharedGroupOptions(o: RunOptions, report: RunReport, dir: string) {
  return {
    runtime: o.runtime,
    dir,
    timeoutScale: o.timeoutScale,
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.snapshots ? { snapshots: o.snapshots } : {}),
    log: o.events.log,
    holds: o.keep?.holds ?? new Holds(o.events.log),
    append: o.append,
    ...(report.qemu ? { qemu: report.qemu } : {}),
  };
}

/** A group's VM; with snapshots, twice that where it restores: the next restore waits paused beside the live guest. */
function groupMemoryMiB(j: Job, o: Pick<RunOptions, 'snapshots'>): number {
  const vm = hostMemoryMiB(j.topology.topology) + QEMU_OVERHEAD_MIB;
  return o.snapshots && oneDevice(j.topology.topology) ? 2 * vm : vm;
}

/**
 * Every boot group through runGroup, `parallel` at a time within the memory budget; a group that throws is kept for the
 * caller, the others go on. With snapshots and one VM at a time, the next group's first restore is prepared while
 * the group before it runs its last scenario.
 */
async function runGroups(groups: BootGroup[], parallel: number, budget: number, options: GroupOptions): Promise<{ tests: TestReport[]; failures: unknown[] }> {
  const tests: TestReport[] = [];
  const failures: unknown[] = [];
  const order = scheduleOrder(groups);
  const handoffs = new Map<BootGroup, Spare>();
  const prepareFirst = (g: BootGroup) => {
    const job = g.jobs[0];
    if (!options.snapshots || !job || !oneDevice(job.topology.topology) || handoffs.has(g)) return;
    const index = options.nextBoot();
    const boot = bootOptionsOf(job, join(options.dir, `boot-${index}`), options);
    handoffs.set(g, { index, restore: prepareNext(boot, { cache: options.snapshots, log: options.log }, bootKey(boot)) });
  };
  try {
    await schedule(
      groups,
      parallel,
      budget,
      async (g) => {
        const first = handoffs.get(g);
        handoffs.delete(g);
        const following = parallel === 1 ? order[order.indexOf(g) + 1] : undefined;
        const mine: GroupOptions = { ...options, ...(first ? { first } : {}), ...(following ? { beforeLast: () => prepareFirst(following) } : {}) };
        tests.push(...(await runGroup(g, mine).catch((err: unknown) => (failures.push(err), []))));
      },
      () => options.signal?.aborted === true,
    );
  } finally {
    // Prepared for a group that never started (the run was stopped).
    for (const spare of handoffs.values()) await discardSpare(spare);
  }
  return { tests, failures };
}
