// run --bisect-series: the binary search over series prefixes, how a prefix's test is judged, the build's "first k
// patches" option and its cache keys, and how the first bad patch is named in test ids and on the console.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { HarnessError } from '../../../harness/common/errors.ts';
import { seriesPrefix } from '../../../harness/kernel/source/build.ts';
import { inputKey } from '../../../harness/kernel/source/cache-key.ts';
import { readSeries } from '../../../harness/kernel/source/series.ts';
import { parseKernelSpec } from '../../../harness/kernel/spec.ts';
import { baselineSummary } from '../../../harness/report/console.ts';
import type { RunReport, TestReport } from '../../../harness/report/types.ts';
import { firstBadPatches, judge, type Judgement, type Probe } from '../../../harness/run/bisect-series.ts';
import { kernelLabel } from '../../../harness/run/run.ts';

const fixtures = fileURLToPath(new URL('../../fixtures/series/', import.meta.url));

/** A series whose test `key` turns bad from patch `bad[key]` on; `broken` prefixes do not build. Records each probe. */
function fake(bad: Record<string, number>, broken: number[] = []): { probe: Probe; probes: [number, string[]][] } {
  const probes: [number, string[]][] = [];
  const probe: Probe = async (k, keys) => {
    probes.push([k, [...keys]]);
    if (broken.includes(k)) return new Map();
    return new Map(keys.map((key): [string, Judgement] => [key, k >= bad[key]! ? 'bad' : 'good']));
  };
  return { probe, probes };
}

test('one test, first bad patch anywhere in a series of 1 to 9: found with about log2(n) prefixes, never base or the whole series', async (t) => {
  for (let n = 1; n <= 9; n++) {
    for (let first = 1; first <= n; first++) {
      const { probe, probes } = fake({ a: first });
      const found = await firstBadPatches(n, ['a'], probe);
      t.deepEqual(found.get('a'), { index: first }, `n=${n} first=${first}`);
      t.true(probes.length <= Math.ceil(Math.log2(n)), `n=${n} first=${first}: ${probes.length} probes`);
      t.true(probes.every(([k]) => k > 0 && k < n), 'base and the whole series are known already');
    }
  }
});

test('the seeded case: 3 patches, patch 2 bad: two prefixes, 1 (good) then 2 (bad)', async (t) => {
  const { probe, probes } = fake({ a: 2 });
  t.deepEqual(await firstBadPatches(3, ['a'], probe), new Map([['a', { index: 2 }]]));
  t.deepEqual(probes.map(([k]) => k), [1, 2]);
});

test('tests regressed by different patches share every prefix their intervals have in common', async (t) => {
  const { probe, probes } = fake({ a: 2, b: 7, c: 2 });
  const found = await firstBadPatches(8, ['a', 'b', 'c'], probe);
  t.deepEqual(Object.fromEntries(found), { a: { index: 2 }, b: { index: 7 }, c: { index: 2 } });
  // The first probe (the middle) serves all three; a and c never need a prefix of their own.
  t.deepEqual(probes[0], [4, ['a', 'b', 'c']]);
  t.true(probes.every(([, keys]) => !keys.includes('c') || keys.includes('a')));
  t.true(probes.length <= 6, `${probes.length} probes`);
});

test('a prefix that does not build is stepped around; when nothing is left between, the candidates are named', async (t) => {
  const around = fake({ a: 6 }, [4]);
  t.deepEqual((await firstBadPatches(8, ['a'], around.probe)).get('a'), { index: 6 });
  t.is(around.probes.filter(([k]) => k === 4).length, 1, 'a broken prefix is tried once');
  const stuck = fake({ a: 5 }, [4]);
  // Patch 4 alone does not build and patch 5 brings the regression: 4 and 5 cannot be told apart.
  const unsure = await firstBadPatches(5, ['a'], stuck.probe);
  t.deepEqual(unsure.get('a'), { index: 5, candidates: [4, 5] });
});

test('judge: a regression or changed errno is bad, no change good; an error or a test gone decides nothing', (t) => {
  t.is(judge('regressed', 'fail'), 'bad');
  t.is(judge('changed errno', 'fail'), 'bad');
  t.is(judge('unchanged', 'pass'), 'good');
  t.is(judge('fixed', 'pass'), 'good');
  t.is(judge('regressed', 'error'), 'skip');
  t.is(judge('gone', 'n/a'), 'skip');
  t.is(judge('new', undefined), 'skip');
});

test('the build takes the first k patches: 0 is the base, all of them the series, each prefix its own cache key', async (t) => {
  const series = await readSeries([join(fixtures, 'seeded-regression')]);
  t.deepEqual(series.map((p) => p.number), [1, 2, 3]);
  t.regex(series[1]!.subject, /-ENXIO/);
  const BASE = 'debian:linux-source-7.2=7.2.13-1';
  const key = (k?: number) => inputKey(BASE, seriesPrefix(series, k), []);
  t.is(key(0), inputKey(BASE, [], []));
  t.is(key(3), key(undefined));
  t.is(new Set([0, 1, 2, 3].map(key)).size, 4);
  t.deepEqual(seriesPrefix(series, 2).map((p) => p.number), [1, 2]);
  t.throws(() => seriesPrefix(series, 4), { instanceOf: HarnessError, message: /first 4 patch\(es\) of a series of 3/ });
  t.throws(() => seriesPrefix(series, -1), { instanceOf: HarnessError });
});

test('a prefix kernel is named with the patches it has, so its tests never collide with the head\'s', (t) => {
  const spec = parseKernelSpec('src:debian:7.2', { series: ['test/fixtures/series/seeded-regression'] });
  t.is(kernelLabel(spec), 'src:debian:7.2+seeded-regression');
  t.is(kernelLabel({ ...spec, patches: 2 } as typeof spec), 'src:debian:7.2+seeded-regression[1..2]');
});

test('the console names the first bad patch under the regressed test', (t) => {
  const id = 'src:debian:7.2+s/default/negative-region-geometry[default]';
  const baseline: NonNullable<RunReport['baseline']> = {
    base: 'src:debian:7.2',
    head: 'src:debian:7.2+s',
    regressed: true,
    tests: [{ id, change: 'regressed', base: 'pass', head: 'fail', detail: 'step 3: expected EINVAL, observed ENXIO' }],
    surface: { added: [], removed: [], untested: [] },
  };
  const tests = [{ id, firstBadPatch: { index: 2, subject: 'cxl/region: refuse unknown interleave ways with -ENXIO' } } as TestReport];
  const out = baselineSummary(baseline, tests);
  t.regex(out, /regressed +src:debian:7\.2\+s\/default\/negative-region-geometry\[default\]: step 3/);
  t.regex(out, /\n +first bad patch: 2 "cxl\/region: refuse unknown interleave ways with -ENXIO"\n/);
  t.notRegex(baselineSummary(baseline), /first bad patch/);
});
