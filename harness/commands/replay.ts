// `cxl-harness replay BUNDLE`: runs a test bundle's scenario again on its kernel, topology and kernel parameters,
// and says whether the recorded outcome came back.
import { join, resolve } from 'node:path';
import { inputError } from '../common/errors.ts';
import { debIdentity } from '../kernel/deb-identity.ts';
import { compareReplay } from '../replay/compare.ts';
import { unpackTestBundle } from '../replay/unpack.ts';
import { isRuntimeName, RUNTIME_NAMES } from '../runtime/select.ts';
import { runSession } from '../run/session.ts';
import { HARNESS_VERSION } from '../run/version.ts';
import { parseOptions } from './options.ts';
import type { Command } from './types.ts';

const USAGE = `usage: cxl-harness replay BUNDLE [options]
  Unpacks a test bundle (written by cxl-harness run for a failing test), checks it (no links, absolute or ".."
  names, oversize content), and runs its scenario again on the same kernel (the bundled bzImage, or the Debian
  package at the recorded version), topology, variant and kernel parameters. Prints "reproduced" when the verdict
  and the first failing step (with its observed result) match what was recorded.
  --artifacts DIR      where the replay's run folder goes (default ./artifacts)
  --keep               keep the guest running after the replay (cxl-harness shell, then Ctrl-C or cxl-harness stop)
  --runtime R          host (default) or docker
  --timeout-scale X    multiply every timeout
exit codes: those of cxl-harness run for the replayed test (1: the kernel still disagrees with the model),
  2 for a refused bundle`;

const OPTIONS = {
  artifacts: { type: 'string', default: 'artifacts' },
  runtime: { type: 'string', default: 'host' },
  keep: { type: 'boolean', default: false },
  'timeout-scale': { type: 'string', default: '1' },
} as const;

async function main(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseOptions(argv, OPTIONS, USAGE);
  if (positionals.length !== 1) throw inputError('command line', 'BUNDLE', positionals.join(' '), `exactly one bundle file\n${USAGE}`);
  const bundle = positionals[0]!;
  if (!isRuntimeName(v.runtime)) throw inputError('command line', '--runtime', v.runtime, `one of: ${RUNTIME_NAMES.join(', ')}`);
  const timeoutScale = Number(v['timeout-scale']);
  if (!(timeoutScale > 0)) throw inputError('command line', '--timeout-scale', v['timeout-scale'], 'a number above 0, e.g. 2.5');
  const into = resolve(v.artifacts, `replay-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  const { manifest: m, dir } = await unpackTestBundle(bundle, into);
  const out = (l: string) => process.stdout.write(`${l}\n`);
  out(`replaying ${m.test.id} (${m.test.verdict}) recorded by cxl-harness ${m.harness}${m.harness === HARNESS_VERSION ? '' : ` (this is ${HARNESS_VERSION}: the model may have moved)`} with QEMU ${m.qemu}`);
  const replay = m.kernel.replay;
  const kernel = 'spec' in replay ? replay.spec : join(dir, replay.bzImage);
  const report = await runSession({
    scenarios: [join(dir, m.scenario.file)],
    kernels: [kernel],
    ...('modules' in replay && replay.modules ? { modules: join(dir, replay.modules) } : {}),
    series: [],
    topologies: [join(dir, m.topology.file)],
    variants: [m.scenario.variant],
    append: m.scenario.append,
    baseline: false,
    artifacts: into,
    runtimeName: v.runtime,
    timeoutScale,
    docStrict: false,
    strictSeries: false,
    bundle: 'never',
    keep: v.keep ? 'always' : 'never',
    outputs: {},
  });
  const test = report.tests.find((t) => t.scenario === m.test.scenario && t.variant === m.scenario.variant);
  if (test && test.cmdline !== m.cmdline) out(`note: kernel parameters differ: recorded "${m.cmdline}", now "${test.cmdline}"`);
  if (m.kernel.packages) {
    const now = await debIdentity(report.kernels[0]?.packages ?? []);
    for (const p of m.kernel.packages) {
      const q = now.find((x) => x.name === p.name);
      if (p.sha256 && q?.sha256 && p.sha256 !== q.sha256) out(`note: ${p.name} ${p.version} differs from the recorded package (sha256 ${q.sha256} vs ${p.sha256})`);
    }
  }
  out(`\n${compareReplay(m.test, test).lines.join('\n')}`);
  return report.exitCode;
}

export const replayCommand: Command = { name: 'replay', summary: 'run a test bundle again and say whether its outcome reproduces', usage: USAGE, main };
