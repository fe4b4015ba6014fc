// Command line: argv → run(); exit 0 pass, 1 the kernel disagreed with the model, 2 bad input or infrastructure failure.
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { HarnessError, inputError } from './common/errors.ts';
import { projectPath } from './common/project.ts';
import type { RunReport } from './report/types.ts';
import { runSummary, scenarioSummary, STEP_HEADER, stepLine } from './report/console.ts';
import { loadInputs, run } from './run/run.ts';
import { qemuArgv } from './topology/argv.ts';
import { shellQuote } from './common/shell.ts';
import { QEMU } from './qemu/binary.ts';
import { kernelCmdline } from './run/boot.ts';

const USAGE = `usage: cxl-harness run [SCENARIO_OR_DIR ...] [options]
  --kernel SPEC        debian:<version> (default debian:7.2), src:debian:<version>, src:<tree>, or a bzImage path
  --modules DIR        modules folder for a local bzImage
  --series PATH        with --kernel src:debian:X.Y or src:TREE: an mbox, a folder of numbered
                       .patch files, or patch files (repeatable, applied in order)
  --config-fragment F  Kconfig lines merged over images/kernel/harness.config
  --topology T         "default" or a topology YAML; overrides the scenarios' own
  --append PARAM       extra kernel parameter (repeatable; later ones win)
  --variant NAME       run only this variant of each scenario (repeatable)
  --json FILE          write the report as JSON
  --artifacts DIR      where run folders go (default ./artifacts)
  --show-command       print the QEMU command line per scenario variant and exit`;

function kernelOptions(v: { modules?: string; series: string[]; 'config-fragment'?: string }) {
  return { ...(v.modules ? { modules: v.modules } : {}), series: v.series, ...(v['config-fragment'] ? { configFragment: v['config-fragment'] } : {}) };
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'run') {
    process.stderr.write(`${command ? `unknown command "${command}"\n` : ''}${USAGE}\n`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        kernel: { type: 'string', default: 'debian:7.2' },
        modules: { type: 'string' },
        series: { type: 'string', multiple: true, default: [] },
        'config-fragment': { type: 'string' },
        topology: { type: 'string' },
        append: { type: 'string', multiple: true, default: [] },
        variant: { type: 'string', multiple: true, default: [] },
        json: { type: 'string' },
        artifacts: { type: 'string', default: 'artifacts' },
        'show-command': { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    throw inputError('command line', 'options', rest.join(' '), `${(err as Error).message}\n${USAGE}`);
  }
  const v = parsed.values;
  const scenarios = parsed.positionals.length ? parsed.positionals : [projectPath('scenarios')];
  if (v['show-command']) {
    const { scenarios: list, topologies } = await loadInputs({ scenarios, kernel: v.kernel, ...kernelOptions(v), ...(v.topology ? { topology: v.topology } : {}) });
    for (const s of list) {
      for (const variant of s.variants) {
        const { append } = kernelCmdline([...variant.cmdline, ...v.append], '<per-run key>');
        const args = qemuArgv(topologies.get(s)!, { kernel: '<vmlinuz>', initrd: '<initrd.cpio>', append, sshPort: 0 });
        process.stdout.write(`# ${s.name} [${variant.name}]\n${shellQuote([QEMU, ...args])}\n`);
      }
    }
    return 0;
  }
  const abort = new AbortController();
  const onSignal = () => {
    process.stderr.write('\ninterrupted: stopping the guest and writing artifacts (Ctrl-C again to force)\n');
    abort.abort();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const out = (s: string) => process.stdout.write(`${s}\n`);
  const report = await run({
    scenarios,
    kernel: v.kernel,
    ...kernelOptions(v),
    ...(v.topology ? { topology: v.topology } : {}),
    append: v.append,
    variants: v.variant,
    artifacts: v.artifacts,
    signal: abort.signal,
    ...(v.json ? { onReport: (r: RunReport) => writeFile(v.json!, JSON.stringify(r, null, 2)) } : {}),
    events: {
      log: (l) => out(l),
      scenarioStart: (s, variant, shared) => out(`\n${s.name} [${variant}]  (${s.file})${shared ? '  on the same boot' : ''}\n${STEP_HEADER}`),
      step: (r) => out(stepLine(r)),
      scenarioEnd: (r) => out(scenarioSummary(r)),
    },
  });
  out(`\n${runSummary(report)}`);
  return report.verdict === 'pass' ? 0 : report.verdict === 'fail' ? 1 : 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof HarnessError ? err.format() : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(err instanceof HarnessError ? err.exitCode : 2);
  },
);
