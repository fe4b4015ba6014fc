// A whole run: validate input, provision, kernel, image, then every scenario variant on its own boot; one report.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { HarnessError, inputError } from '../common/errors.ts';
import { buildGuestImage } from '../image/build.ts';
import { obtainKernel } from '../kernel/fetch.ts';
import { parseKernelSpec } from '../kernel/spec.ts';
import { readFragment } from '../kernel/source/config.ts';
import { missingBuildPackages } from '../kernel/source/host-deps.ts';
import { readSeries } from '../kernel/source/series.ts';
import { provisionHost } from '../host/provision.ts';
import type { RunReport, ScenarioReport, StepRecord } from '../report/types.ts';
import { loadScenarios } from '../scenario/load.ts';
import type { Scenario } from '../scenario/types.ts';
import { loadTopology } from '../topology/load.ts';
import type { Topology } from '../topology/types.ts';
import { runSuite, type Job } from './suite.ts';

export interface RunOptions {
  scenarios: string[];
  kernel: string;
  modules?: string;
  series?: string[];
  configFragment?: string;
  /** Overrides every scenario's topology. */
  topology?: string;
  append: string[];
  /** Only these variants (all when empty). */
  variants: string[];
  artifacts: string;
  signal?: AbortSignal;
  /** Called with the final report on every path, failures included, before run() returns or throws. */
  onReport?: (report: RunReport) => Promise<void>;
  events: {
    log(line: string): void;
    scenarioStart(s: Scenario, variant: string, sharedBoot: boolean): void;
    step(r: StepRecord): void;
    scenarioEnd(r: ScenarioReport): void;
  };
}

/** Everything the user gave, checked before anything starts (a series is parsed here, applied later). */
export async function loadInputs(o: Pick<RunOptions, 'scenarios' | 'kernel' | 'modules' | 'topology' | 'series' | 'configFragment'>) {
  const spec = parseKernelSpec(o.kernel, { ...(o.modules ? { modules: o.modules } : {}), ...(o.series ? { series: o.series } : {}), ...(o.configFragment ? { fragment: o.configFragment } : {}) });
  if (spec.kind === 'source') {
    if (spec.series.length) await readSeries(spec.series);
    if (spec.fragment) await readFragment(spec.fragment);
  }
  const scenarios = (await Promise.all(o.scenarios.map((p) => loadScenarios(p)))).flat();
  const topologies = new Map<Scenario, Topology>();
  for (const s of scenarios) topologies.set(s, await loadTopology(o.topology ?? s.topology, o.topology ? process.cwd() : dirname(resolve(s.file))));
  return { spec, scenarios, topologies };
}

export async function run(o: RunOptions): Promise<RunReport> {
  const t0 = Date.now();
  const { spec, scenarios, topologies } = await loadInputs(o);
  const chosen = (s: Scenario) => s.variants.filter((v) => !o.variants.length || o.variants.includes(v.name));
  if (!scenarios.some((s) => chosen(s).length)) {
    throw inputError('command line', '--variant', o.variants.join(','), `one of: ${[...new Set(scenarios.flatMap((s) => s.variants.map((v) => v.name)))].join(', ')}`);
  }
  const dir = resolve(o.artifacts, new Date().toISOString().replace(/[:.]/g, '-'));
  await mkdir(dir, { recursive: true });
  const report: RunReport = {
    verdict: 'error',
    kernel: { spec: spec.text, release: '', packages: [] },
    topology: o.topology ?? 'per scenario',
    boots: 0,
    scenarios: [],
    timings: { totalMs: 0 },
    artifacts: dir,
  };
  try {
    let t = Date.now();
    report.qemu = await provisionHost(o.events.log, spec.kind === 'source' ? await missingBuildPackages() : []);
    report.timings.provisionMs = Date.now() - t;
    t = Date.now();
    o.events.log(`kernel ${spec.text} …`);
    const kernel = await obtainKernel(spec, { artifactsDir: dir, log: o.events.log, ...(o.signal ? { signal: o.signal } : {}) });
    report.kernel = { spec: spec.text, release: kernel.release, packages: kernel.packages, ...(kernel.source ? { source: kernel.source } : {}) };
    report.timings.kernelMs = Date.now() - t;
    o.events.log(`kernel ${kernel.release} (${kernel.packages.map((p) => `${p.name} ${p.version}`).join(', ') || kernel.vmlinuz}) in ${report.timings.kernelMs} ms`);
    if (kernel.source) {
      const src = kernel.source;
      o.events.log(`  built from ${src.base} (${src.baseVersion}), config ${src.configHash}, ${src.compiler}`);
      for (const p of src.series) o.events.log(`  [${p.number}/${src.series.length}] ${p.subject} — ${p.author}`);
    }
    t = Date.now();
    const image = await buildGuestImage(kernel);
    report.image = { key: image.key, packages: image.packages, modules: image.modules };
    report.timings.imageMs = Date.now() - t;
    o.events.log(`guest image ${image.key} in ${report.timings.imageMs} ms`);
    const jobs: Job[] = scenarios.flatMap((scenario) =>
      chosen(scenario).map((variant) => ({ scenario, variant, topology: topologies.get(scenario)!, cmdline: [...variant.cmdline, ...o.append] })),
    );
    const suite = await runSuite(jobs, {
      kernel,
      image,
      dir,
      ...(o.signal ? { signal: o.signal } : {}),
      onStart: (job, shared) => o.events.scenarioStart(job.scenario, job.variant.name, shared),
      onStep: o.events.step,
      onEnd: (r) => {
        report.scenarios.push(r);
        o.events.scenarioEnd(r);
      },
    });
    report.boots = suite.boots;
    if (suite.capabilities) report.capabilities = suite.capabilities;
    // A bzImage without a modules folder names its release only once it runs.
    if (report.kernel.release === 'unknown' && suite.capabilities) report.kernel.release = suite.capabilities.release;
    if (o.signal?.aborted) throw new HarnessError('interrupted', { stage: 'steps' });
    const verdicts = report.scenarios.map((s) => s.verdict);
    // Not applicable is neither: a suite of only n/a scenarios passes, and says so in its counts.
    report.verdict = verdicts.includes('error') ? 'error' : verdicts.includes('fail') ? 'fail' : 'pass';
  } catch (err) {
    report.error = err instanceof HarnessError ? err.format() : String(err);
    throw err;
  } finally {
    report.timings.totalMs = Date.now() - t0;
    await writeFile(join(dir, 'report.json'), JSON.stringify(report, null, 2));
    await o.onReport?.(report);
  }
  return report;
}
