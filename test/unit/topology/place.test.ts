// placedDevices (paths the graph is keyed on), traits (what scenarios may need) and hostMemoryMiB, per preset.
import test from 'ava';
import { loadTopologies } from '../../../harness/topology/load.ts';
import { hostMemoryMiB, placedDevices, traits } from '../../../harness/topology/place.ts';

const presets = new Map((await loadTopologies('all')).map((l) => [l.topology.name, l.topology] as const));
const preset = (name: string) => presets.get(name)!;

test('paths: bus number, root port number, downstream port number, in topology order', (t) => {
  t.deepEqual(placedDevices(preset('hb2x2')).map((p) => [p.path, p.device.serial]), [['hb12/rp0', 1], ['hb12/rp1', 2], ['hb222/rp0', 3], ['hb222/rp1', 4]]);
  t.deepEqual(placedDevices(preset('sw2x2')).map((p) => [p.path, p.device.serial]), [['hb12/rp0/ds0', 1], ['hb12/rp0/ds1', 2], ['hb12/rp1/ds0', 3], ['hb12/rp1/ds1', 4]]);
});

test('a placed device knows its host bridge, root port, switch and downstream port', (t) => {
  const [, second] = placedDevices(preset('switch2'));
  t.is(second!.hostBridge.id, 'cxl.1');
  t.is(second!.rootPort.id, 'rp0');
  t.is(second!.switch!.id, 'us0');
  t.is(second!.downstreamPort!.id, 'sw0p1');
  const [direct] = placedDevices(preset('default'));
  t.is(direct!.switch, undefined);
  t.is(direct!.downstreamPort, undefined);
});

test('traits per preset', (t) => {
  const row = (name: string) => {
    const x = traits(preset(name));
    return [x.devices, x.volatileDevices, x.persistentDevices, x.hostBridges, x.switches, x.windows, x.maxWindowWays];
  };
  t.deepEqual(row('default'), [1, 1, 0, 1, 0, 1, 1]);
  t.deepEqual(row('hb2'), [2, 2, 0, 2, 0, 1, 2]);
  t.deepEqual(row('hb2x2'), [4, 4, 0, 2, 0, 2, 2]);
  t.deepEqual(row('mixed'), [2, 1, 1, 2, 0, 2, 1]);
  t.deepEqual(row('pmem'), [1, 0, 1, 1, 0, 1, 1]);
  t.deepEqual(row('switch2'), [2, 2, 0, 1, 1, 1, 1]);
  t.deepEqual(row('switch4'), [4, 4, 0, 1, 1, 1, 1]);
  t.deepEqual(row('sw2x2'), [4, 4, 0, 1, 2, 1, 1]);
});

test('host memory: boot RAM plus every backing file (volatile, persistent, label area)', (t) => {
  t.is(hostMemoryMiB(preset('default')), 1024 + 256);
  t.is(hostMemoryMiB(preset('mixed')), 1024 + 256 + 256 + 1);
  t.is(hostMemoryMiB(preset('switch4')), 1024 + 4 * 256);
});
