// Builds Debian's linux-source-7.2 with the harness config (cached by content after the first build), runs the stock
// suite on it, and shows a series flips the verdict exactly at the step it changes; a series that does not apply exits 3.
import test from 'ava';
import { harness, scenario } from './cli.ts';

const series = (name: string) => new URL(`../fixtures/series/${name}`, import.meta.url).pathname;

test.serial('src:debian:7.2 with the harness config passes the stock suite', async (t) => {
  const r = await harness([scenario('stock'), '--kernel', 'src:debian:7.2']);
  t.is(r.exitCode, 0, r.stdout + r.stderr);
  const k = r.report!.kernel;
  t.regex(k.source!.baseVersion, /^7\.2\./);
  t.deepEqual(k.source!.series, []);
  t.regex(k.source!.compiler, /gcc/);
  t.true(r.report!.scenarios.every((s) => s.verdict === 'pass'));
});

test.serial('a series that refuses granularity 256 fails stock-kmem exactly at that step', async (t) => {
  const r = await harness([scenario('stock/kmem.yaml'), '--variant', 'offline', '--kernel', 'src:debian:7.2', '--series', series('cxl-granularity.mbx')]);
  t.is(r.exitCode, 1, r.stdout + r.stderr);
  const k = r.report!.kernel;
  t.deepEqual(k.source!.series.map((p) => p.number), [1, 2]);
  t.regex(k.source!.series[0]!.subject, /refuse an interleave granularity of 256/);
  const steps = r.report!.scenarios[0]!.steps;
  const failing = steps.filter((s) => !s.pass);
  t.is(failing[0]!.name, '256 > region0/interleave_granularity');
  t.is(failing[0]!.observed.result, 'EINVAL');
  t.deepEqual(failing[0]!.expected.result, ['ok']);
  t.true(steps.filter((s) => s.index < failing[0]!.index).every((s) => s.pass), 'every step before it passes');
  t.regex(r.stdout, /\[1\/2\] .*refuse an interleave granularity of 256/);
});

test.serial('a series that does not apply exits 3 naming the patch, file and hunk, before any build or boot', async (t) => {
  const r = await harness([scenario('stock/kmem.yaml'), '--kernel', 'src:debian:7.2', '--series', series('does-not-apply.patch')]);
  t.is(r.exitCode, 3, r.stdout + r.stderr);
  t.regex(r.stderr, /refuse 3-way interleave/);
  t.regex(r.stderr, /drivers\/cxl\/core\/region\.c/);
  t.deepEqual(r.report!.scenarios, [], 'nothing booted');
  t.regex(r.report!.error!, /does not apply/);
});
