// `cxl-harness run`: scenarios × kernels × topologies on QEMU, compared step by step with the reference model.
import { join } from 'node:path';
import { bisectExitCode, HarnessError, inputError } from '../common/errors.ts';
import { projectPath } from '../common/project.ts';
import { buildGuestImage } from '../image/build.ts';
import { obtainKernel } from '../kernel/fetch.ts';
import { parseShard } from '../matrix/shard.ts';
import { isRuntimeName, RUNTIME_NAMES } from '../runtime/select.ts';
import { loadInputs } from '../run/run.ts';
import { runSession } from '../run/session.ts';
import { SnapshotCache } from '../snapshot/cache.ts';
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
  --bundle WHEN        reproduction bundles (replay with cxl-harness replay): failures (default: fail, gap, error),
                       always, never
  --keep-failed        stop a failing test at its first failing step and keep its guest running as that step left
                       it (the group goes on with a fresh boot); after the run, wait for Ctrl-C or cxl-harness stop;
                       look inside with cxl-harness shell RUN_DIR
  --keep               keep each boot group's last guest running the same way
  --snapshots          restore a saved post-boot state instead of booting (under 1 s instead of 8 s) where QEMU's
                       restore is faithful: QEMU 10.0 saves no CXL device state, so the guest detaches its CXL
                       devices before the save and attaches them again after a restore, which gives the saved
                       guest back for one-device topologies only; others boot as usual
  --runtime R          host (default) or docker: run QEMU and kernel builds in containers of the harness image
  --timeout-scale X    multiply every timeout (slow machines)
  --timeout MINUTES    stop the whole run after this long (exit 4; artifacts are kept)
  --baseline           with src:… and --series: also run the tree without the series and print what the series
                       changed (fixed, regressed, changed errno, …) and the drivers and attributes it adds that no
                       step touches; exit 1 only on a regression
  --strict-series      with --series: fail when the series adds drivers or attributes no step touches (implies --baseline)
  --bisect-series      with --series (implies --baseline): for each test the series regressed or changed an errno
                       of, find the first patch that does it: builds base + 1..k (binary search, cached by content,
                       incremental) and reruns only those tests; the report names it as tests[].firstBadPatch
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
  bundle: { type: 'string', default: 'failures' },
  keep: { type: 'boolean', default: false },
  snapshots: { type: 'boolean', default: false },
  'keep-failed': { type: 'boolean', default: false },
  runtime: { type: 'string', default: 'host' },
  'timeout-scale': { type: 'string', default: '1' },
  timeout: { type: 'string' },
  'doc-strict': { type: 'boolean', default: false },
  baseline: { type: 'boolean', default: false },
  'strict-series': { type: 'boolean', default: false },
  'bisect-series': { type: 'boolean', default: false },
  bisect: { type: 'boolean', default: false },
  'show-command': { type: 'boolean', default: false },
} as const;

const BUNDLE_POLICIES = ['failures', 'always', 'never'] as const;
const isBundlePolicy = (s: string): s is (typeof BUNDLE_POLICIES)[number] => (BUNDLE_POLICIES as readonly string[]).includes(s);

function positiveNumber(option: string, text: string | undefined, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw inputError('command line', `--${option}`, text, integer ? 'a whole number from 1' : 'a number above 0, e.g. 2.5');
  return n;
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
  const baseline = v.baseline || v['strict-series'] || v['bisect-series'];
  const bundle = v.bundle;
  if (!isBundlePolicy(bundle)) throw inputError('command line', '--bundle', bundle, `one of: ${BUNDLE_POLICIES.join(', ')}`);
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
  const report = await runSession({
    ...common,
    append: v.append ?? [],
    artifacts: v.artifacts,
    ...(jobs ? { jobs } : {}),
    ...(v.shard ? { shard: parseShard(v.shard) } : {}),
    runtimeName,
    timeoutScale,
    ...(v.timeout ? { timeoutMinutes: positiveNumber('timeout', v.timeout, false)! } : {}),
    docStrict: v['doc-strict'],
    strictSeries: v['strict-series'],
    bisectSeries: v['bisect-series'],
    bundle,
    ...(v.snapshots ? { snapshots: new SnapshotCache({ log: (l) => process.stdout.write(`${l}\n`) }) } : {}),
    keep: v.keep ? 'always' : v['keep-failed'] ? 'failures' : 'never',
    outputs: { ...(v.json ? { json: v.json } : {}), ...(v.junit ? { junit: v.junit } : {}), ...(v.tap ? { tap: v.tap } : {}), ...(v.kcidb ? { kcidb: v.kcidb } : {}) },
  }).catch((err: unknown) => {
    if (v.bisect && err instanceof HarnessError) {
      process.stderr.write(`${err.format()}\n`);
      return bisectExitCode(err.exitCode);
    }
    throw err;
  });
  if (typeof report === 'number') return report;
  return v.bisect ? bisectExitCode(report.exitCode) : report.exitCode;
}

export const runCommand: Command = { name: 'run', summary: 'run scenarios on kernels × topologies and compare every step with the model', usage: USAGE, main };
