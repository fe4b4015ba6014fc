// seriesCheck: a series applied to a kernel whose scenarios all ended not applicable fails the run; any that ran, or
// a kernel without the series, does not.
import test from 'ava';
import { seriesCheck } from '../../../harness/run/series-check.ts';

const HEAD = 'src:debian:7.2+kmem-state-v7';
const row = (kernel: string, file: string, verdict: 'pass' | 'fail' | 'n/a') => ({ kernel, file, verdict, ...(verdict === 'n/a' ? { reason: 'the guest lacks daxX.Y/state (the kmem state series)' } : {}) });

test('every scenario of the applied series not applicable: the message names series, kernel, count and reason', (t) => {
  const tests = [row(HEAD, 'scenarios/series/kmem-state/transitions.yaml', 'n/a'), row(HEAD, 'scenarios/series/kmem-state/kernel-zone.yaml', 'n/a'), row(HEAD, 'scenarios/stock/kmem.yaml', 'pass')];
  t.is(
    seriesCheck([{ spec: HEAD, appliedSeries: ['kmem-state'] }], tests),
    `the series kmem-state was applied to ${HEAD} but the guest does not show what it adds: all 2 of its scenario runs were not applicable (the guest lacks daxX.Y/state (the kmem state series))`,
  );
});

test('one series scenario that ran, a base kernel without the series, or no series scenario at all: no complaint', (t) => {
  const kernels = [{ spec: 'src:debian:7.2', appliedSeries: [] }, { spec: HEAD, appliedSeries: ['kmem-state'] }];
  t.is(seriesCheck(kernels, [row(HEAD, 'scenarios/series/kmem-state/transitions.yaml', 'fail'), row(HEAD, 'scenarios/series/kmem-state/kernel-zone.yaml', 'n/a')]), undefined);
  t.is(seriesCheck(kernels, [row('src:debian:7.2', 'scenarios/series/kmem-state/transitions.yaml', 'n/a'), row(HEAD, 'scenarios/series/kmem-state/transitions.yaml', 'pass')]), undefined);
  t.is(seriesCheck(kernels, [row(HEAD, 'scenarios/stock/kmem.yaml', 'pass')]), undefined);
});
