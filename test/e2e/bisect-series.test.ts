// run --bisect-series on a seeded regression: three patches against Debian's linux-source-7.2, of which only the
// second changes what a scenario observes (an unsupported interleave_ways is refused with -ENXIO instead of -EINVAL).
// The baseline names that one test, the bisection names patch 2, and `compare` on the two halves agrees. Build cost:
// the base and the whole series (cached after a first run), then base + 1 and base + 1..2, each an incremental build
// of region.c in the same tree (ccache).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { validateReport } from '../../harness/report/validate.ts';
import type { RunReport } from '../../harness/report/types.ts';
import { harness, scenario } from './cli.ts';

const series = new URL('../fixtures/series/seeded-regression', import.meta.url).pathname;
const HEAD = 'src:debian:7.2+seeded-regression';
const TEST = `${HEAD}/default/negative-region-geometry[default]`;
const PATCH_2 = 'cxl/region: refuse unknown interleave ways with -ENXIO';

/** One kernel's half of a --baseline report, as a run of that kernel alone would have written it. */
function half(r: RunReport, kernel: string): RunReport {
  const { baseline: _baseline, ...rest } = r;
  return {
    ...rest,
    kernels: r.kernels.filter((k) => k.spec === kernel),
    tests: r.tests.filter((t) => t.kernel === kernel).map(({ firstBadPatch: _f, ...t }) => t),
    boots: r.boots.filter((b) => b.kernel === kernel),
  };
}

test.serial('a seeded errno regression: the baseline shows that one test, and the bisection names patch 2', async (t) => {
  const started = Date.now();
  const r = await harness([scenario('negative/region-geometry.yaml'), '--kernel', 'src:debian:7.2', '--series', series, '--bisect-series']);
  t.log(`run with bisection: ${Math.round((Date.now() - started) / 1000)} s`);
  t.is(r.exitCode, 1, r.stdout + r.stderr);
  const report = validateReport(r.report);
  const b = report.baseline!;
  t.is(b.base, 'src:debian:7.2');
  t.is(b.head, HEAD);
  t.true(b.regressed);
  const changed = b.tests.filter((x) => x.change !== 'unchanged');
  t.deepEqual(changed.map((x) => [x.id, x.change]), [[TEST, 'regressed']], 'exactly one test changed');
  t.regex(changed[0]!.detail ?? '', /ways not in/);

  // The step the patch changes, on base and head.
  const step = 'ways not in {1,2,3,4,6,8,12,16}';
  const observed = (kernel: string) => report.tests.find((x) => x.kernel === kernel)!.steps.find((s) => s.name === step)!.observed.result;
  t.is(observed('src:debian:7.2'), 'EINVAL');
  t.is(observed(HEAD), 'ENXIO');

  const head = report.tests.find((x) => x.id === TEST)!;
  t.deepEqual(head.firstBadPatch, { index: 2, subject: PATCH_2 });
  t.is(report.tests.filter((x) => x.firstBadPatch).length, 1, 'only the regressed test is bisected');
  t.regex(r.stdout, /first bad patch for .*negative-region-geometry\[default\]: \[2\/3\] cxl\/region: refuse unknown interleave ways with -ENXIO/);
  t.regex(r.stdout, /first bad patch: 2 "cxl\/region: refuse unknown interleave ways with -ENXIO"/);

  // Prefixes 1 and 1..2 were built and run, only for that test; patch 1 alone behaves as the base.
  const trail = b.bisect!;
  t.deepEqual(trail.map((p) => p.patches), [1, 2]);
  t.deepEqual(trail.map((p) => p.tests.map((x) => x.change)), [['unchanged'], ['regressed']]);
  t.deepEqual(trail.map((p) => p.tests.length), [1, 1]);
  t.true(trail.every((p) => p.error === undefined));
  for (const p of trail) t.log(`base + 1..${p.patches}: kernel ${Math.round(p.kernelMs / 1000)} s`);
  for (const k of report.kernels) t.log(`${k.spec}: kernel ${Math.round((k.timings.kernelMs ?? 0) / 1000)} s`);
  // The prefixes' tests stay out of the run's own tests, boots and kernels.
  t.deepEqual(report.kernels.map((k) => k.spec), ['src:debian:7.2', HEAD]);
  t.is(report.tests.length, 2);

  // `compare` on the two halves reports the same single regression.
  const dir = r.dir;
  const [baseFile, headFile] = [join(dir, 'BASE.json'), join(dir, 'HEAD.json')];
  await writeFile(baseFile, JSON.stringify(half(report, 'src:debian:7.2')));
  await writeFile(headFile, JSON.stringify(half(report, HEAD)));
  const c = await harness([baseFile, headFile, '--json', join(dir, 'comparison.json')], 'compare');
  t.is(c.exitCode, 1, c.stdout + c.stderr);
  t.regex(c.stdout, /^regressed \(1\)$/m);
  t.regex(c.stdout, /negative-region-geometry\[default\] +pass → fail/);
  t.regex(c.stdout, /1 tests: 1 regressed, 0 fixed, 0 changed errno/);
});
