// Endpoint decoder mode and DPA through predict(): cxl-sysfs-model.md §1.4 and topologies.md's D and C observations.
import test from 'ava';
import { ep } from './kernel-names.ts';
import { booted, preset, refused, run, snap, SZ_256M, under, write } from './world.ts';

// Endpoint decoder mode and DPA through predict(): cxl-sysfs-model.md §1.4 and topologies.md (D: pmem-only device; C:
// dpa_size 0 then 256M), allocation in decoder id order, frees from the highest down.

/** default with a 512 MiB device: room for two 256 MiB allocations. */
function big() {
  const topo = preset('default');
  topo.hostBridges[0]!.rootPorts[0]!.device!.volatileMiB = 512;
  const { s, names } = booted(topo);
  return { s, d: (i: number) => ep(names, 1, i) };
}

test('a fresh endpoint decoder: mode none, no DPA, dpa_resource all ones, no region', (t) => {
  const { s, names } = booted(preset('default'));
  t.deepEqual(under(s, `cxl/${ep(names, 1)}/`), { mode: 'none', dpa_size: '0x0000000000000000', dpa_resource: '0xffffffffffffffff', region: '' });
});

test('mode takes ram or pmem: other values EINVAL; a partition the device lacks EINVAL (D: "unsupported mode")', (t) => {
  const { s, names } = booted(preset('pmem'));
  const d = ep(names, 1);
  refused(t, s, write(`${d}/mode`, 'volatile'), 'EINVAL', 'mode.value');
  refused(t, s, write(`${d}/mode`, 'ram'), 'EINVAL', 'mode.no-partition');
  refused(t, s, write(`${d}/mode`, 'pmem'), 'ok');
  const r = booted(preset('default'));
  refused(t, r.s, write(`${ep(r.names, 1)}/mode`, 'pmem'), 'EINVAL', 'mode.no-partition');
});

test('D: dpa_size with mode none EBUSY ("partition not set")', (t) => {
  const { s, names } = booted(preset('pmem'));
  refused(t, s, write(`${ep(names, 1)}/dpa_size`, SZ_256M), 'EBUSY', 'dpa.partition-unset');
});

test('dpa_size: not 256 MiB aligned EINVAL, not a number EINVAL, more than the partition ENOSPC', (t) => {
  const { s, names } = booted(preset('default'));
  const d = ep(names, 1);
  const moded = run(t, s, [write(`${d}/mode`, 'ram')]);
  refused(t, moded, write(`${d}/dpa_size`, 1 << 20), 'EINVAL', 'dpa.alignment');
  refused(t, moded, write(`${d}/dpa_size`, 'lots'), 'EINVAL', 'dpa.unparsable');
  refused(t, moded, write(`${d}/dpa_size`, 2n * SZ_256M), 'ENOSPC', 'dpa.no-space');
});

test('C: dpa_size 0 then 268435456 on a free endpoint decoder: OK, OK; it reads %pa', (t) => {
  const { s, names } = booted(preset('rp2'));
  const d = ep(names, 1);
  const done = run(t, s, [write(`${d}/mode`, 'ram'), write(`${d}/dpa_size`, 0), write(`${d}/dpa_size`, 268435456)]);
  t.like(under(done, `cxl/${d}/`), { mode: 'ram', dpa_size: '0x0000000010000000', dpa_resource: '0x0' });
});

test('DPA is allocated in decoder id order: decoder 1 before decoder 0 EBUSY', (t) => {
  const { s, d } = big();
  const moded = run(t, s, [write(`${d(0)}/mode`, 'ram'), write(`${d(1)}/mode`, 'ram')]);
  refused(t, moded, write(`${d(1)}/dpa_size`, SZ_256M), 'EBUSY', 'dpa.order');
  const both = run(t, moded, [write(`${d(0)}/dpa_size`, SZ_256M), write(`${d(1)}/dpa_size`, SZ_256M)]);
  t.is(snap(both)[`cxl/${d(0)}/dpa_resource`], '0x0');
  t.is(snap(both)[`cxl/${d(1)}/dpa_resource`], '0x10000000', 'the second allocation follows the first');
});

test('DPA is freed from the highest decoder down: decoder 0 while decoder 1 holds DPA EBUSY', (t) => {
  const { s, d } = big();
  const both = run(t, s, [write(`${d(0)}/mode`, 'ram'), write(`${d(1)}/mode`, 'ram'), write(`${d(0)}/dpa_size`, SZ_256M), write(`${d(1)}/dpa_size`, SZ_256M)]);
  refused(t, both, write(`${d(0)}/dpa_size`, 0), 'EBUSY', 'dpa.free-order');
  const freed = run(t, both, [write(`${d(1)}/dpa_size`, 0), write(`${d(0)}/dpa_size`, 0)]);
  t.like(snap(freed), { [`cxl/${d(0)}/dpa_size`]: '0x0000000000000000', [`cxl/${d(0)}/dpa_resource`]: '0xffffffffffffffff' });
});

test('DPA of a decoder in a region cannot be freed (EBUSY); a committed decoder\'s mode cannot change (EBUSY)', (t) => {
  const { s, names } = booted(preset('default'));
  const d = ep(names, 1);
  const inRegion = run(t, s, [write('decoder0.0/create_ram_region', 'region0'), write('region0/interleave_granularity', 256), write('region0/interleave_ways', 1), write('region0/size', SZ_256M), write(`${d}/mode`, 'ram'), write(`${d}/dpa_size`, SZ_256M), write('region0/target0', d)]);
  refused(t, inRegion, write(`${d}/dpa_size`, 0), 'EBUSY', 'dpa.free-in-region');
  const committed = run(t, inRegion, [write('region0/commit', 1)]);
  refused(t, committed, write(`${d}/mode`, 'ram'), 'EBUSY', 'mode.enabled');
});

test('pmem DPA starts after the RAM partition of a device that has both', (t) => {
  const topo = preset('default');
  Object.assign(topo.hostBridges[0]!.rootPorts[0]!.device!, { volatileMiB: 256, persistentMiB: 256, lsaMiB: 1 });
  const { s, names } = booted(topo);
  const done = run(t, s, [write(`${ep(names, 1)}/mode`, 'pmem'), write(`${ep(names, 1)}/dpa_size`, SZ_256M)]);
  t.is(snap(done)[`cxl/${ep(names, 1)}/dpa_resource`], '0x10000000');
});
