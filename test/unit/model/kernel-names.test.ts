// The synthetic-names helper reproduces what real guests showed: the captured switch2 graph and topologies.md's names.
import { readFileSync } from 'node:fs';
import test from 'ava';
import { readGuestGraph } from '../../../harness/topology/guest-graph.ts';
import { kernelNames } from './kernel-names.ts';
import { preset } from './world.ts';

test('switch2 probed as on the real guest (memdevs sn2 then sn1) gives the names its graph showed', (t) => {
  const real = readGuestGraph(readFileSync(new URL('../../fixtures/graph/switch2-debian-7.2.13.tsv', import.meta.url), 'utf8')).names;
  t.deepEqual(kernelNames(preset('switch2'), { memdevs: [2, 1] }), real);
});

test('A (hb2) with bus 222 first: port1 is bus 222, port2 bus 12; endpoint3=mem1, endpoint4=mem0', (t) => {
  const n = kernelNames(preset('hb2'), { hostBridges: [222, 12], endpoints: [2, 1], memdevs: [1, 2] });
  t.deepEqual(n.ports, { hb222: 'port1', hb12: 'port2' });
  t.deepEqual(n.devices.map((d) => [d.endpoint, d.memdev]), [['endpoint3', 'mem1'], ['endpoint4', 'mem0']]);
  t.deepEqual(n.portDecoders, { port1: ['decoder1.0'], port2: ['decoder2.0'] });
});

test('C (rp2): port1 has decoder1.0-1.3; G (sw2x2): root0/port1/{port2,port3}/endpoint4..7', (t) => {
  t.deepEqual(kernelNames(preset('rp2')).portDecoders.port1, ['decoder1.0', 'decoder1.1', 'decoder1.2', 'decoder1.3']);
  const g = kernelNames(preset('sw2x2'), { memdevs: [3, 1, 2, 4] });
  t.deepEqual(g.ports, { hb12: 'port1', 'hb12/rp0/switch': 'port2', 'hb12/rp1/switch': 'port3' });
  t.deepEqual(g.devices.map((d) => d.endpoint), ['endpoint4', 'endpoint5', 'endpoint6', 'endpoint7']);
  t.is(g.devices.find((d) => d.serial === 3)!.memdev, 'mem0', 'G: mem0=sn3');
});
