// compareReports on base.json (debian:7.2) and head.json (src:debian:7.2 + series): one test per kind of change, by design.
import test from 'ava';
import { compareReports, type Change } from '../../../harness/report/compare.ts';
import { formatComparison } from '../../../harness/report/compare-table.ts';
import { report } from './fixture.ts';

const H = 'src:debian:7.2/default/';

/** What each fixture test was written to show (base.json → head.json). */
const designed: Record<string, Change> = {
  [`${H}negative-binding[default]`]: 'still failing', // fail → fail, same errno
  [`${H}negative-endpoint-targets[default]`]: 'regressed', // gap → fail: a kernel failure BASE did not show
  [`${H}negative-region-geometry[default]`]: 'changed errno', // pass → pass, EINVAL → ENXIO
  [`${H}series-devdax[default]`]: 'regressed', // n/a → fail
  [`${H}series-stock-beside-series[default]`]: 'unchanged', // n/a → n/a
  [`${H}series-sysram-offline[default]`]: 'new', // n/a → pass
  [`${H}series-sysram-refusals[default]`]: 'new', // only in HEAD
  [`${H}stock-kmem-to-devdax[default]`]: 'still failing', // error → error
  [`${H}stock-kmem[offline]`]: 'regressed', // pass → fail
  [`${H}stock-kmem[online_movable]`]: 'fixed', // fail → pass
  ['debian:7.2/default/stock-teardown-delete-bound[default]']: 'gone', // only in BASE
};

test('one kernel each, different specs: tests are paired on topology/scenario/variant and classified as designed', async (t) => {
  const c = compareReports(await report('base.json'), await report('head.json'));
  t.deepEqual(c.paired, { base: 'debian:7.2', head: 'src:debian:7.2' });
  t.deepEqual(Object.fromEntries(c.tests.map((x) => [x.id, x.change])), designed);
  t.true(c.regressed);
});

test('details say which step changed or why HEAD did not pass', async (t) => {
  const c = compareReports(await report('base.json'), await report('head.json'));
  const detail = (id: string) => c.tests.find((x) => x.id === `${H}${id}`)!.detail;
  t.is(detail('negative-region-geometry[default]'), 'step 1 "set interleave_granularity": EINVAL → ENXIO');
  t.true(detail('stock-kmem[offline]')!.startsWith('step 2 "commit region0"'));
  t.true(detail('stock-kmem[offline]')!.includes('ENXIO'));
  t.true(detail('stock-kmem[online_movable]')!.startsWith('was: step 2 "commit region0"'));
});

test('the same errno-changing step under an unchanged failing verdict is a changed errno, not still failing', async (t) => {
  const head = await report('head.json');
  const binding = head.tests.find((x) => x.scenario === 'negative-binding')!;
  binding.steps[1]!.observed.result = 'EINVAL';
  const c = compareReports(await report('base.json'), head);
  const x = c.tests.find((y) => y.id === binding.id)!;
  t.is(x.change, 'changed errno');
  t.is(x.detail, 'step 2 "bind region0": EBUSY → EINVAL');
});

test('a report compared with itself: everything unchanged, matched on the full id, nothing regressed', async (t) => {
  const head = await report('head.json');
  const c = compareReports(head, head);
  t.is(c.paired, undefined);
  t.true(c.tests.every((x) => x.change === 'unchanged' || x.change === 'still failing'));
  t.false(c.regressed);
});

test('kernel sets that cannot be paired one-to-one are matched on the full id', async (t) => {
  const base = await report('base.json');
  const head = await report('head.json');
  base.kernels.push({ ...base.kernels[0]!, spec: 'debian:6.12' });
  head.kernels.push({ ...head.kernels[0]!, spec: 'src:debian:6.12' });
  const c = compareReports(base, head);
  t.is(c.paired, undefined);
  const changes = new Set(c.tests.map((x) => x.change));
  t.deepEqual([...changes].filter((x) => !['new', 'gone', 'regressed'].includes(x)), []);
  t.is(c.tests.length, base.tests.length + head.tests.length);
});

test('the table names the pairing, lists each non-empty change under its heading, and counts everything', async (t) => {
  const c = compareReports(await report('base.json'), await report('head.json'));
  const lines = formatComparison(c).split('\n');
  t.true(lines[0]!.includes('debian:7.2') && lines[0]!.includes('src:debian:7.2'));
  const headings = lines.filter((l) => /^[a-z][a-z ]+ \(\d+\)$/.test(l));
  t.deepEqual(headings, ['regressed (3)', 'fixed (1)', 'changed errno (1)', 'still failing (2)', 'new (2)', 'gone (1)']);
  for (const x of c.tests.filter((y) => y.change !== 'unchanged')) {
    const heading = lines.indexOf(headings.find((h) => h.startsWith(`${x.change} (`))!);
    const row = lines.findIndex((l) => l.startsWith(`  ${x.id} `));
    t.true(row > heading && !lines.slice(heading + 1, row).some((l) => headings.includes(l)), x.id);
  }
  t.is(lines.at(-1), '11 tests: 3 regressed, 1 fixed, 1 changed errno, 2 still failing, 2 new, 1 gone, 1 unchanged');
});
