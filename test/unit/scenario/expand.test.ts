// expandScenario: region/teardown macros per preset in topologies.md's working order; needs and not-applicable reasons.
import test from 'ava';
import { parseDocument } from 'yaml';
import { expandScenario } from '../../../harness/scenario/expand.ts';
import { parseScenario } from '../../../harness/scenario/load.ts';
import type { Scenario, Step } from '../../../harness/scenario/types.ts';
import { loadTopologies } from '../../../harness/topology/load.ts';
import type { Topology } from '../../../harness/topology/types.ts';

// expandScenario: region and teardown macros become topologies.md's working order for each preset's devices; needs
// and impossible macros make a scenario not applicable, with the reason.

const presets = new Map((await loadTopologies('all')).map((l) => [l.topology.name, l.topology] as const));
const preset = (name: string): Topology => structuredClone(presets.get(name)!);
/** A scenario from YAML text, read as the loader reads files (every scalar a string). */
const scenario = (text: string, name = 'sc'): Scenario => parseScenario(parseDocument(`name: ${name}\n${text}`, { schema: 'failsafe' }).toJS(), `/tmp/${name}.yaml`);
const steps = (text: string, topo: string, name?: string): Step[] => {
  const e = expandScenario(scenario(text, name), preset(topo));
  if ('notApplicable' in e) throw new Error(e.notApplicable);
  return e.steps;
};
const notApplicable = (text: string, topo: Topology | string): string | undefined => {
  const e = expandScenario(scenario(text), typeof topo === 'string' ? preset(topo) : topo);
  return 'notApplicable' in e ? e.notApplicable : undefined;
};
/** Writes as [path without /sys/bus/cxl/devices/, value]. */
const writes = (s: Step[]) => s.map((x) => (x.action.kind === 'write' ? [x.action.path.replace('/sys/bus/cxl/devices/', ''), x.action.value] : [x.action.kind]));

const M256 = '268435456';

test('region on a 1-device preset: create, granularity 256, ways 1, size, mode, dpa_size, target0, commit', (t) => {
  const s = steps('steps:\n  - region: {}\n', 'default');
  t.deepEqual(writes(s), [
    ['${root:0}/create_ram_region', '${offer}'],
    ['${region}/interleave_granularity', '256'],
    ['${region}/interleave_ways', '1'],
    ['${region}/size', M256],
    ['${ep:0.0}/mode', 'ram'],
    ['${ep:0.0}/dpa_size', M256],
    ['${region}/target0', '${ep:0.0}'],
    ['${region}/commit', '1'],
  ]);
  t.is(s[0]!.createFrom, '/sys/bus/cxl/devices/${root:0}/create_ram_region');
  t.deepEqual(s[0]!.context, { window: 0, mode: 'ram', order: [1] });
  t.truthy(s[0]!.regionAs);
});

test('region on 2-device presets: hb2 takes the window granularity 4096; switch2 256; 512 MiB; both positions', (t) => {
  const a = steps('steps:\n  - region: {}\n', 'hb2');
  t.deepEqual(writes(a), [
    ['${root:0}/create_ram_region', '${offer}'],
    ['${region}/interleave_granularity', '4096'],
    ['${region}/interleave_ways', '2'],
    ['${region}/size', '536870912'],
    ['${ep:0.0}/mode', 'ram'],
    ['${ep:0.0}/dpa_size', M256],
    ['${ep:1.0}/mode', 'ram'],
    ['${ep:1.0}/dpa_size', M256],
    ['${region}/target0', '${ep:0.0}'],
    ['${region}/target1', '${ep:1.0}'],
    ['${region}/commit', '1'],
  ]);
  t.deepEqual(a[0]!.context!.order, [1, 2]);
  const b = steps('steps:\n  - region: {}\n', 'switch2');
  t.deepEqual(writes(b).slice(1, 4), [['${region}/interleave_granularity', '256'], ['${region}/interleave_ways', '2'], ['${region}/size', '536870912']]);
});

test('region on 4-device presets: hb2x2 4-way 4096 over sn1,sn3,sn2,sn4 (F); switch4 4-way 256; 1 GiB', (t) => {
  const f = steps('steps:\n  - region: {}\n', 'hb2x2');
  t.deepEqual(f[0]!.context, { window: 0, mode: 'ram', order: [1, 3, 2, 4] });
  t.deepEqual(writes(f).slice(1, 4), [['${region}/interleave_granularity', '4096'], ['${region}/interleave_ways', '4'], ['${region}/size', '1073741824']]);
  t.deepEqual(writes(f).filter(([p]) => /target\d$/.test(p!)), [0, 1, 2, 3].map((p) => [`\${region}/target${p}`, `\${ep:${p}.0}`]));
  const e = steps('steps:\n  - region: {}\n', 'switch4');
  t.deepEqual(writes(e).slice(1, 4), [['${region}/interleave_granularity', '256'], ['${region}/interleave_ways', '4'], ['${region}/size', '1073741824']]);
});

test('region options: ways, granularity, sizeMiB, decoder, commit false, window 1', (t) => {
  const s = steps('steps:\n  - region: { window: 1, ways: 1, granularity: 1024, sizeMiB: 256, decoder: 2, commit: false }\n', 'hb2x2');
  t.deepEqual(writes(s), [
    ['${root:1}/create_ram_region', '${offer}'],
    ['${region}/interleave_granularity', '1024'],
    ['${region}/interleave_ways', '1'],
    ['${region}/size', M256],
    ['${ep:0.2}/mode', 'ram'],
    ['${ep:0.2}/dpa_size', M256],
    ['${region}/target0', '${ep:0.2}'],
  ]);
  t.deepEqual(s[0]!.context, { window: 1, mode: 'ram', order: [1] });
});

test('region order picks positions from the interleave order', (t) => {
  t.deepEqual(steps('steps:\n  - region: { order: [1, 0] }\n', 'switch2')[0]!.context!.order, [2, 1]);
  t.deepEqual(steps('steps:\n  - region: { order: [0, 2, 1, 3] }\n', 'sw2x2')[0]!.context!.order, [1, 2, 3, 4]);
});

test('a pmem region writes a uuid right after create, before the size; stable per scenario and step', (t) => {
  const s = steps('steps:\n  - region: { mode: pmem }\n', 'pmem', 'pm');
  t.deepEqual(writes(s).map(([p]) => p), ['${root:0}/create_pmem_region', '${region}/uuid', '${region}/interleave_granularity', '${region}/interleave_ways', '${region}/size', '${ep:0.0}/mode', '${ep:0.0}/dpa_size', '${region}/target0', '${region}/commit']);
  const uuid = writes(s)[1]![1]!;
  t.regex(uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
  t.is(writes(steps('steps:\n  - region: { mode: pmem }\n', 'pmem', 'pm'))[1]![1], uuid, 'same scenario, same uuid');
  t.not(writes(steps('steps:\n  - region: { mode: pmem }\n', 'pmem', 'other'))[1]![1], uuid, 'another scenario, another uuid');
  t.is(writes(s)[5]![1], 'pmem');
});

test('without a window, a macro uses the first window that reaches a device of its mode (mixed: pmem is window 1)', (t) => {
  t.deepEqual(steps('steps:\n  - region: { mode: pmem }\n', 'mixed')[0]!.context, { window: 1, mode: 'pmem', order: [2] });
  t.deepEqual(steps('steps:\n  - region: {}\n', 'mixed')[0]!.context, { window: 0, mode: 'ram', order: [1] });
});

test('teardown: decommit, detach positions high to low, free DPA high to low, delete (A2\'s order)', (t) => {
  const s = steps('steps:\n  - region: {}\n  - teardown: {}\n', 'hb2');
  t.deepEqual(writes(s).slice(11), [
    ['${region}/commit', '0'],
    ['${region}/target1', ''],
    ['${region}/target0', ''],
    ['${ep:1.0}/dpa_size', '0'],
    ['${ep:0.0}/dpa_size', '0'],
    ['${root:current}/delete_region', '${region}'],
  ]);
});

test('teardown only: some stages; of: a named region, made current again first', (t) => {
  t.deepEqual(writes(steps('steps:\n  - region: {}\n  - teardown: { only: [free] }\n', 'default')).slice(8), [['${ep:0.0}/dpa_size', '0']]);
  const s = steps('steps:\n  - region: { as: first, ways: 1 }\n  - region: { decoder: 1, ways: 1 }\n  - teardown: { of: first, only: [detach] }\n', 'rp2');
  const tail = s.slice(-2);
  t.is(tail[0]!.action.kind, 'read');
  t.is(tail[0]!.useRegion, 'first');
  t.deepEqual(tail[0]!.context, { window: 0, mode: 'ram', order: [1] });
  t.deepEqual(writes([tail[1]!]), [['${region}/target0', '']]);
});

test('teardown without a region before it, or of an unknown name: not applicable, with the step', (t) => {
  t.is(notApplicable('steps:\n  - teardown: {}\n', 'default'), 'steps[0]: teardown needs a region step before it');
  t.regex(notApplicable('steps:\n  - region: {}\n  - teardown: { of: nope }\n', 'default')!, /^steps\[1\]: teardown of nope needs a region step before it/);
});

test('needs a topology does not meet: the reason names the topology, what it has and what is needed', (t) => {
  t.is(notApplicable('needs: { persistent: 1 }\nsteps:\n  - run: cxl list\n', 'default'), 'topology default has 0 devices with persistent memory; the scenario needs 1');
  t.is(notApplicable('needs: { window0Ways: 1 }\nsteps:\n  - run: cxl list\n', 'hb2'), 'window 0 of topology hb2 interleaves 2 host bridge(s); the scenario needs 1');
  t.is(notApplicable('needs: { switches: 2 }\nsteps:\n  - run: cxl list\n', 'switch2'), 'topology switch2 has 1 switches; the scenario needs 2');
  t.is(notApplicable('needs: { hostBridges: 2 }\nsteps:\n  - run: cxl list\n', 'default'), 'topology default has 1 host bridges; the scenario needs 2');
  t.is(notApplicable('needs: { windowWays: 2 }\nsteps:\n  - run: cxl list\n', 'switch4'), 'topology switch4 has 1 host bridges interleaved by one window; the scenario needs 2');
  t.regex(notApplicable('needs: { deviceMiB: 512 }\nsteps:\n  - run: cxl list\n', 'default')!, /^topology default has a device with 256 MiB of volatile memory; the scenario needs 512/);
  t.is(notApplicable('needs: { window0Ways: 2, devices: 2, volatile: 2, switches: 0 }\nsteps:\n  - run: cxl list\n', 'hb2'), undefined);
});

test('window0Ways: exactly, not at least', (t) => {
  t.is(notApplicable('needs: { window0Ways: 1 }\nsteps:\n  - run: cxl list\n', 'hb2x2'), 'window 0 of topology hb2x2 interleaves 2 host bridge(s); the scenario needs 1');
  t.is(notApplicable('needs: { window0Ways: 2 }\nsteps:\n  - run: cxl list\n', 'hb2x2'), undefined);
  t.is(notApplicable('needs: { window0Ways: 2 }\nsteps:\n  - run: cxl list\n', 'default'), 'window 0 of topology default interleaves 1 host bridge(s); the scenario needs 2');
});

test('a region the topology cannot make: no such window, too few devices, positions beyond the order', (t) => {
  t.is(notApplicable('steps:\n  - region: { window: 1 }\n', 'default'), 'topology default has no window 1');
  t.regex(notApplicable('steps:\n  - region: { ways: 4 }\n', 'switch2')!, /reaches 2 device\(s\) with ram capacity/);
  t.regex(notApplicable('steps:\n  - region: { order: [0, 5] }\n', 'switch2')!, /positions 0,5/);
  t.regex(notApplicable('steps:\n  - region: {}\n', 'pmem')!, /reaches 0 device\(s\) with ram capacity/);
});

test('create: one step that writes the offered name, with the window\'s default order as context', (t) => {
  const s = steps('steps:\n  - create: {}\n    expect: { result: EBUSY }\n', 'hb2x2');
  t.is(s.length, 1);
  t.deepEqual(s[0]!.action, { kind: 'write', path: '/sys/bus/cxl/devices/${root:0}/create_ram_region', value: '${offer}' });
  t.is(s[0]!.createFrom, '/sys/bus/cxl/devices/${root:0}/create_ram_region');
  t.deepEqual(s[0]!.context, { window: 0, mode: 'ram', order: [1, 3, 2, 4] });
  t.deepEqual(s[0]!.pinned, { result: ['EBUSY'] });
});

test('plain steps pass through unchanged and in order around macros', (t) => {
  const s = steps('steps:\n  - run: cxl list\n  - region: {}\n  - bind: { driver: cxl_region, device: "${region}" }\n', 'default');
  t.deepEqual(s[0]!.action, { kind: 'run', command: 'cxl list' });
  t.deepEqual(s.at(-1)!.action, { kind: 'bind', bus: 'cxl', driver: 'cxl_region', device: '${region}' });
  t.is(s.length, 10);
});
