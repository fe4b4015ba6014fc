// Kernels built from Debian's linux-source-7.2 with the harness config (cached by content after the first build):
// a test series flips the verdict exactly at the step it changes; the Jan-2026 series rebased onto 7.2 runs every one
// of its scenarios; the series as posted does not apply and exits 3 naming the patch, file and hunk.
import test from 'ava';
import { validateReport } from '../../harness/report/validate.ts';
import { harness, scenario } from './cli.ts';

const fixtureSeries = (name: string) => new URL(`../fixtures/series/${name}`, import.meta.url).pathname;
const shared = (name: string) => new URL(`../../../shared/series/${name}`, import.meta.url).pathname;

test.serial('a series that refuses granularity 256 fails stock-kmem exactly at that step', async (t) => {
  const r = await harness([scenario('stock/kmem.yaml'), '--variant', 'offline', '--kernel', 'src:debian:7.2', '--series', fixtureSeries('cxl-granularity.mbx')]);
  t.is(r.exitCode, 1, r.stdout + r.stderr);
  const k = r.report!.kernels[0]!;
  t.regex(k.source!.baseVersion, /^7\.2\./);
  t.deepEqual(k.source!.series.map((p) => p.number), [1, 2]);
  t.regex(k.source!.series[0]!.subject, /refuse an interleave granularity of 256/);
  t.regex(k.source!.compiler, /gcc/);
  const steps = r.report!.tests[0]!.steps;
  const failing = steps.filter((s) => !s.pass);
  t.is(failing[0]!.name, '256 > region0/interleave_granularity');
  t.is(failing[0]!.observed.result, 'EINVAL');
  t.deepEqual(failing[0]!.expected.result, ['ok']);
  t.true(steps.filter((s) => s.index < failing[0]!.index).every((s) => s.pass), 'every step before it passes');
  t.regex(r.stdout, /\[1\/2\] .*refuse an interleave granularity of 256/);
});

test.serial('the explicit DAX selection series rebased onto 7.2: every series and review scenario runs and agrees with the model', async (t) => {
  const r = await harness([scenario('series/explicit-dax'), scenario('review'), scenario('stock/kmem.yaml'), '--kernel', 'src:debian:7.2', '--series', shared('explicit-dax-v1-on-7.2'), '--baseline']);
  t.is(r.exitCode, 0, r.stdout + r.stderr);
  const report = validateReport(r.report);
  const head = report.kernels.find((k) => k.source?.series.length)!;
  t.is(head.source!.series.length, 7);
  t.true(head.capabilities!.cxlDrivers.includes('cxl_sysram_region'));
  // What the series adds, from the guests of both kernels; every addition is touched by some step.
  const added = report.baseline!.surface.added;
  for (const d of ['cxl_sysram_region', 'cxl_devdax_region', 'cxl_dax_kmem_region']) t.true(added.some((x) => x.includes(d)), `${d} in ${added.join(', ')}`);
  t.true(added.some((x) => x.includes('online_type')));
  t.false(report.baseline!.regressed);
  // Auto-assembly, implicit driver choice and documented values each end with a verdict on the series kernel.
  const review = report.tests.filter((x) => x.kernel === head.spec && x.file.includes('/review/'));
  t.is(review.length, 4);
  for (const x of review) t.true(x.verdict === 'pass', `${x.id}: ${x.verdict} ${x.reason ?? x.error ?? ''}`);
  const series = report.tests.filter((x) => x.kernel === head.spec && x.file.includes('/series/explicit-dax/'));
  t.true(series.length >= 6);
  for (const s of series) {
    if (s.scenario === 'series-pmem-refusals') t.is(s.verdict, 'n/a', 'no persistent device on the default topology');
    else t.is(s.verdict, 'pass', s.id);
  }
  const refusals = series.find((s) => s.scenario === 'series-sysram-refusals')!;
  t.is(refusals.steps.find((s) => s.name === 'dax_kmem bind while online_type is invalid')?.observed.result, 'ENODEV');
  // The documents list "invalid" as an online_type value; the code refuses writing it: a documentation mismatch.
  t.is(refusals.steps.find((s) => s.name === 'invalid cannot be written back')?.outcome, 'mismatch');
});

test.serial('the kmem state series (v7): every state scenario runs, the selftest cases are in the report, and nothing it adds goes untested', async (t) => {
  const r = await harness([scenario('series/kmem-state'), '--kernel', 'src:debian:7.2', '--series', shared('kmem-state-v7.mbox'), '--strict-series']);
  t.is(r.exitCode, 0, r.stdout + r.stderr);
  const report = validateReport(r.report);
  const head = report.kernels.find((k) => k.source?.series.length)!;
  t.true(report.baseline!.surface.added.some((x) => /state/.test(x)), report.baseline!.surface.added.join(', '));
  t.deepEqual(report.baseline!.surface.untested, []);
  const mine = report.tests.filter((x) => x.kernel === head.spec);
  t.is(mine.length, 7, 'six scenarios, policy-at-bind in two variants');
  for (const x of mine) t.is(x.verdict, 'pass', x.id);
  // On the base kernel the same scenarios are not applicable: it has no state attribute.
  for (const x of report.tests.filter((x) => x.kernel !== head.spec)) t.is(x.verdict, 'n/a', x.id);
  const cases = mine.flatMap((x) => x.selftests ?? []);
  t.true(cases.filter((c) => c.status === 'pass').length >= 5, JSON.stringify(cases));
  t.deepEqual(cases.filter((c) => c.status === 'fail' || c.status === 'error'), []);
});

test.serial('a patch with the kmem state series subject but none of its code: the head fails where the state attribute should appear', async (t) => {
  const r = await harness([scenario('series/kmem-state/transitions.yaml'), '--kernel', 'src:debian:7.2', '--series', fixtureSeries('kmem-state-subject-only.patch'), '--baseline']);
  t.is(r.exitCode, 1, r.stdout + r.stderr);
  const report = validateReport(r.report);
  const head = report.tests.find((x) => x.kernel === 'src:debian:7.2+kmem-state-subject-only')!;
  // The series is taken as applied (its subject), so the model expects daxX.Y/state from the kmem bind on.
  t.is(head.verdict, 'fail');
  t.deepEqual(head.firstFailure?.findings.find((f) => f.key === 'dax/dax0.0/state'), { key: 'dax/dax0.0/state', expected: 'offline' });
  t.is(report.tests.find((x) => x.kernel === 'src:debian:7.2')?.verdict, 'n/a');
  t.regex(report.baseline!.tests[0]!.detail!, /dax\/dax0\.0\/state: expected "offline", observed \(absent\)/);
});

test.serial('the series as posted does not apply to 7.2: exit 3 naming patch 2/9, the file and the hunk, before any build', async (t) => {
  const r = await harness([scenario('stock/kmem.yaml'), '--kernel', 'src:debian:7.2', '--series', shared('explicit-dax-v1.mbox')]);
  t.is(r.exitCode, 3, r.stdout + r.stderr);
  t.regex(r.stderr, /\[2\/9\]|patch 2\b/);
  t.regex(r.stderr, /mm\/memory_hotplug\.c/);
  t.regex(r.stderr, /hunk 1 of/);
  t.deepEqual(r.report!.tests, [], 'nothing booted');
  t.regex(r.report!.error!, /does not apply/);
});
