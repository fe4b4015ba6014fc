// `cxl-harness run`: scenarios × kernels × topologies on QEMU, compared step by step with the reference model.
import { join, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { bisectExitCode, HarnessError, inputError } from '../common/errors.ts';
import { projectPath } from '../common/project.ts';
import { buildGuestImage } from '../image/build.ts';
import { obtainKernel } from '../kernel/fetch.ts';
import { parseShard } from '../matrix/shard.ts';
import { baselineSummary, runSummary, STEP_HEADER, stepLine, testSummary } from '../report/console.ts';
import { isRuntimeName, openRuntime, RUNTIME_NAMES } from '../runtime/select.ts';
import type { Job } from '../run/matrix.ts';
import { loadInputs, run } from '../run/run.ts';
import { showCommand } from '../run/show.ts';
import { parseOptions } from './options.ts';
import type { Command } from './types.ts';

const USAGE = `usage: cxl-harness run [SCENARIO_OR_DIR ...] [options]
  --kernel SPEC        debian:<version> (default debian:7.2), src:debian:<version>, src:<tree>, or a bzImage path;
                       repeatable: the run is kernels × topologies × scenarios
  --modules DIR        modules folder for a local bzImage
  --series PATH        with --kernel src:…: an mbox, a folder of numbered .patch files, or patch files (repeatable)
  --config-fragment F  Kconfig lines merged over images/kernel/harness.config
  --topology T         a preset (cxl-harness topology list), "all", or a topology YAML (repeatable; default: default)
  --append PARAM       extra kernel parameter (repeatable; later ones win)
  --variant NAME       run only this variant of each scenario (repeatable)
  --jobs N             VMs at once (default: from cores and free memory)
  --shard I/N          run only shard I of N of the matrix (merge the reports with cxl-harness merge)
  --json F, --junit F, --tap F, --kcidb F   write the report in these formats too
  --artifacts DIR      where run folders go (default ./artifacts)
  --runtime R          host (default) or docker: run QEMU and kernel builds in containers of the harness image
  --timeout-scale X    multiply every timeout (slow machines)
  --baseline           with src:… and --series: also run the tree without the series and print what the series
                       changed (fixed, regressed, changed errno, …) and the drivers and attributes it adds that no
                       step touches; exit 1 only on a regression
  --strict-series      with --series: fail when the series adds drivers or attributes no step touches (implies --baseline)
  --doc-strict         a documentation mismatch fails the run (exit 6)
  --bisect             exit codes for git bisect run: 0 good, 1 bad, 125 skip
  --show-command       print the QEMU command per kernel, topology and variant as a runnable script, and exit
exit codes: 0 pass, 1 the kernel disagreed with the model, 2 bad input, 3 the series does not apply,
  4 infrastructure failure, 5 the model has no prediction for a step, 6 documentation mismatch (--doc-strict)`;

const OPTIONS = {
  kernel: { type: 'string', multiple: true },
  modules: { type: 'string' },
  series: { type: 'string', multiple: true },
  'config-fragment': { type: 'string' },
  topology: { type: 'string', multiple: true },
  append: { type: 'string', multiple: true },
  variant: { type: 'string', multiple: true },
  jobs: { type: 'string' },
  shard: { type: 'string' },
  json: { type: 'string' },
  junit: { type: 'string' },
  tap: { type: 'string' },
  kcidb: { type: 'string' },
  artifacts: { type: 'string', default: 'artifacts' },
  runtime: { type: 'string', default: 'host' },
  'timeout-scale': { type: 'string', default: '1' },
  'doc-strict': { type: 'boolean', default: false },
  baseline: { type: 'boolean', default: false },
  'strict-series': { type: 'boolean', default: false },
  bisect: { type: 'boolean', default: false },
  'show-command': { type: 'boolean', default: false },
} as const;

function positiveNumber(option: string, text: string | undefined, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw inputError('command line', `--${option}`, text, integer ? 'a whole number from 1' : 'a number above 0, e.g. 2.5');
  return n;
}

/** Console output: live when one VM runs; otherwise each test's lines are printed together when it ends. */
function consoleEvents(parallel: boolean) {
  const out = (s: string) => process.stdout.write(`${s}\n`);
  const buffers = new Map<Job, string[]>();
  const emit = (job: Job, line: string) => (parallel ? buffers.set(job, [...(buffers.get(job) ?? []), line]) : out(line));
  return {
    log: out,
    testStart: (job: Job, shared: boolean) => emit(job, `\n${job.id}  (${job.scenario.file})${shared ? '  on the same boot' : ''}\n${STEP_HEADER}`),
    step: (job: Job, r: Parameters<typeof stepLine>[0]) => emit(job, stepLine(r)),
    testEnd: (job: Job, r: Parameters<typeof testSummary>[0]) => {
      if (r.verdict === 'n/a' && !buffers.has(job) && r.steps.length === 0) return out(`  N/A  ${r.id}: ${r.reason}`);
      emit(job, testSummary(r));
      if (parallel) out((buffers.get(job) ?? []).join('\n'));
      buffers.delete(job);
    },
  };
}

async function main(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseOptions(argv, OPTIONS, USAGE);
  const scenarios = positionals.length ? positionals : [projectPath('scenarios')];
  const kernels = v.kernel?.length ? v.kernel : ['debian:7.2'];
  const topologies = v.topology?.length ? v.topology : ['default'];
  const jobs = positiveNumber('jobs', v.jobs, true);
  const timeoutScale = positiveNumber('timeout-scale', v['timeout-scale'], false)!;
  const runtimeName = v.runtime;
  if (!isRuntimeName(runtimeName)) throw inputError('command line', '--runtime', runtimeName, `one of: ${RUNTIME_NAMES.join(', ')}`);
  const baseline = v.baseline || v['strict-series'];
  const common = { scenarios, kernels, series: v.series ?? [], topologies, variants: v.variant ?? [], baseline, ...(v.modules ? { modules: v.modules } : {}), ...(v['config-fragment'] ? { configFragment: v['config-fragment'] } : {}) };
  if (v['show-command']) {
    const inputs = await loadInputs(common);
    for (const spec of inputs.specs) {
      const kernel = await obtainKernel(spec, { artifactsDir: v.artifacts, log: (l) => process.stderr.write(`${l}\n`) });
      const image = await buildGuestImage(kernel);
      for (const t of inputs.topologies) {
        const variants = [...new Map(inputs.scenarios.flatMap((s) => s.variants).filter((x) => !common.variants.length || common.variants.includes(x.name)).map((x) => [x.cmdline.join(' '), x])).values()];
        for (const variant of variants) {
          const dir = join(v.artifacts, 'show-command', `${spec.text.replace(/[^A-Za-z0-9._-]+/g, '_')}-${t.topology.name}-${variant.name}`);
          process.stdout.write(`# ${spec.text} on ${t.topology.name}, variant ${variant.name}\n${await showCommand(kernel, image, t.topology, [...variant.cmdline, ...(v.append ?? [])], dir)}\n`);
        }
      }
    }
    return 0;
  }
  const abort = new AbortController();
  const onSignal = () => {
    process.stderr.write('\ninterrupted: stopping the guests and writing artifacts (Ctrl-C again to force)\n');
    abort.abort();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const runtime = await openRuntime(runtimeName, (l) => process.stdout.write(`${l}\n`), { mounts: [resolve(v.artifacts)], signal: abort.signal });
  const parallel = (jobs ?? Math.floor(availableParallelism() / 2)) > 1;
  try {
    const report = await run({
      ...common,
      append: v.append ?? [],
      artifacts: v.artifacts,
      ...(jobs ? { jobs } : {}),
      ...(v.shard ? { shard: parseShard(v.shard) } : {}),
      runtime,
      timeoutScale,
      docStrict: v['doc-strict'],
      strictSeries: v['strict-series'],
      outputs: { ...(v.json ? { json: v.json } : {}), ...(v.junit ? { junit: v.junit } : {}), ...(v.tap ? { tap: v.tap } : {}), ...(v.kcidb ? { kcidb: v.kcidb } : {}) },
      signal: abort.signal,
      events: consoleEvents(parallel),
    });
    if (report.baseline) process.stdout.write(`\n${baselineSummary(report.baseline)}\n`);
    process.stdout.write(`\n${runSummary(report)}\n`);
    return v.bisect ? bisectExitCode(report.exitCode) : report.exitCode;
  } catch (err) {
    if (v.bisect && err instanceof HarnessError) {
      process.stderr.write(`${err.format()}\n`);
      return bisectExitCode(err.exitCode);
    }
    throw err;
  } finally {
    await runtime.close();
  }
}

export const runCommand: Command = { name: 'run', summary: 'run scenarios on kernels × topologies and compare every step with the model', usage: USAGE, main };
