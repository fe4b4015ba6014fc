// initialState and bootOnlineType: the model's start state from a topology, the guest's names and the boot facts.
import test from 'ava';
import { allocateId, bootOnlineType, initialState } from '../../../harness/model/state.ts';
import { kernelNames } from './kernel-names.ts';
import { bootFacts, fixtureTopology, preset, WINDOW0, WINDOW1 } from './world.ts';

test('bootOnlineType: the last memhp_default_state wins, invalid values are ignored, else the build default', (t) => {
  t.is(bootOnlineType('console=ttyS0'), 'offline');
  t.is(bootOnlineType('console=ttyS0', 'online'), 'online');
  t.is(bootOnlineType('memhp_default_state=online_movable'), 'online_movable');
  t.is(bootOnlineType('memhp_default_state=online_movable memhp_default_state=offline'), 'offline');
  t.is(bootOnlineType('memhp_default_state=online_kernel memhp_default_state=bogus'), 'online_kernel');
  t.is(bootOnlineType('memhp_default_state=bogus', 'online_movable'), 'online_movable');
  t.is(bootOnlineType('', 'nonsense'), 'offline');
  t.is(bootOnlineType('xmemhp_default_state=online'), 'offline', 'whole words only');
});

test('root decoders: window placement, size, node, host bridge bus numbers in order, granularity, reserved ids', (t) => {
  const s = initialState(preset('hb2x2'), kernelNames(preset('hb2x2')), bootFacts());
  t.deepEqual(s.roots, [
    { name: 'decoder0.0', window: 0, start: WINDOW0, size: 4n << 30n, node: 1, targets: [12, 222], granularity: 4096, nextId: 0 },
    { name: 'decoder0.1', window: 1, start: WINDOW1, size: 4n << 30n, node: 2, targets: [12], granularity: 256, nextId: 1 },
  ]);
  t.deepEqual(s.usedIds, [0, 1]);
});

test('an x1 window given 4k still has granularity 256', (t) => {
  const topo = preset('switch2');
  topo.windows[0]!.granularity = 4096;
  t.is(initialState(topo, kernelNames(topo), bootFacts()).roots[0]!.granularity, 256);
});

test('ports: a one-root-port host bridge is passthrough with one decoder; switches hang off their root port', (t) => {
  const g = fixtureTopology('g-two-switches.yaml');
  const s = initialState(g, kernelNames(g), bootFacts());
  t.deepEqual(s.ports.map((p) => [p.name, p.kind, p.path, p.parent, p.parentDport, p.dports, p.decoders.length, p.passthrough]), [
    ['port1', 'hb', 'hb12', undefined, 12, [0, 1], 4, false],
    ['port2', 'switch', 'hb12/rp0/switch', 'port1', 0, [0, 1], 4, false],
    ['port3', 'switch', 'hb12/rp1/switch', 'port1', 1, [0, 1], 4, false],
  ]);
  const d = initialState(preset('default'), kernelNames(preset('default')), bootFacts());
  t.deepEqual(d.ports.map((p) => [p.name, p.decoders.map((x) => x.name), p.passthrough]), [['port1', ['decoder1.0'], true]]);
});

test('endpoints: names by serial, the dport used at each port on the way down, capacities in bytes', (t) => {
  const g = fixtureTopology('g-two-switches.yaml');
  const s = initialState(g, kernelNames(g, { memdevs: [3, 1, 2, 4] }), bootFacts());
  const sn4 = s.endpoints.find((e) => e.serial === 4)!;
  t.is(sn4.memdev, 'mem3');
  t.is(sn4.port, 'endpoint7');
  t.is(sn4.path, 'hb12/rp1/ds1');
  t.is(sn4.hostBridge, 12);
  t.deepEqual(sn4.ancestry, [{ port: 'port1', dport: 1 }, { port: 'port3', dport: 1 }]);
  t.is(sn4.ramBytes, 256n << 20n);
  t.is(sn4.pmemBytes, 0n);
  t.deepEqual(sn4.decoders.map((d) => [d.name, d.mode, d.dpaSize, d.committed]), [0, 1, 2, 3].map((i) => [`decoder7.${i}`, 'none', 0n, false]));
});

test('boot facts carried as given: policy, movable_node, block size, drivers, series', (t) => {
  const s = initialState(preset('default'), kernelNames(preset('default')), bootFacts({ cmdline: 'memhp_default_state=online movable_node', series: ['explicit-dax'] }));
  t.is(s.autoOnline, 'online');
  t.true(s.movableNode);
  t.is(s.blockSize, 0x8000000n);
  t.deepEqual(s.series, ['explicit-dax']);
  t.deepEqual([s.regions, s.dax, s.blocks, s.leaks, s.devices, s.pmem, s.nodes], [[], [], [], [], [], [], []]);
  t.false(initialState(preset('default'), kernelNames(preset('default')), bootFacts()).movableNode);
});

test('allocateId: the smallest id not in use', (t) => {
  t.is(allocateId([]), 0);
  t.is(allocateId([0, 1]), 2);
  t.is(allocateId([1, 2]), 0);
  t.is(allocateId([0, 2]), 1);
});
