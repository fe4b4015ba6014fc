// readGuestGraph on a real switch2 guest's graph output, a hand-made pmem one, and renamed copies.
import { readFileSync } from 'node:fs';
import test from 'ava';
import fc from 'fast-check';
import { diffSnapshots } from '../../../harness/diff/diff.ts';
import { expectedGraph } from '../../../harness/topology/graph.ts';
import { readGuestGraph } from '../../../harness/topology/guest-graph.ts';
import { loadTopologies } from '../../../harness/topology/load.ts';

// readGuestGraph on the graph script's output: a real switch2 guest (Debian 7.2.13), a hand-made pmem guest, and
// renamed copies: objects are placed by PCI path and serial whatever the kernel called them.

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/graph/${name}`, import.meta.url), 'utf8');
const switch2 = fixture('switch2-debian-7.2.13.tsv');
const four = (p: number) => [0, 1, 2, 3].map((i) => `decoder${p}.${i}`);

// Read off the captured file by hand: port1 is the host bridge pci0000:0c (bus 12), port2 the switch on its dport0,
// endpoint3 (mem1, serial 0x1) on the switch's dport0, endpoint4 (mem0, serial 0x2) on its dport1.
const SWITCH2_GRAPH = {
  'root/dports': '12',
  'root/decoder0/target_list': '12',
  'root/decoder0/interleave_ways': '1',
  'root/decoder0/interleave_granularity': '256',
  'root/decoder0/size': '0x100000000',
  'root/decoder0/caps': 'pmem ram type2 type3',
  'hb12/dports': '0',
  'hb12/decoders': '1',
  'hb12/rp0/switch/dports': '0,1',
  'hb12/rp0/switch/decoders': '4',
  'hb12/rp0/ds0/endpoint': '0x1',
  'hb12/rp0/ds0/endpoint/decoders': '4',
  'hb12/rp0/ds1/endpoint': '0x2',
  'hb12/rp0/ds1/endpoint/decoders': '4',
  'device 0x1/ram_size': '0x10000000',
  'device 0x1/pmem_size': '0x0',
  'device 0x1/label_storage_size': '0',
  'device 0x2/ram_size': '0x10000000',
  'device 0x2/pmem_size': '0x0',
  'device 0x2/label_storage_size': '0',
};

test('the real switch2 guest: graph keyed by topology paths', (t) => {
  t.deepEqual(readGuestGraph(switch2).graph, SWITCH2_GRAPH);
});

test('the real switch2 guest: the kernel names of each topology object', (t) => {
  t.deepEqual(readGuestGraph(switch2).names, {
    rootDecoders: ['decoder0.0'],
    ports: { hb12: 'port1', 'hb12/rp0/switch': 'port2' },
    portDecoders: { port1: ['decoder1.0'], port2: four(2) },
    devices: [
      { serial: 1, path: 'hb12/rp0/ds0', memdev: 'mem1', endpoint: 'endpoint3', decoders: four(3) },
      { serial: 2, path: 'hb12/rp0/ds1', memdev: 'mem0', endpoint: 'endpoint4', decoders: four(4) },
    ],
  });
});

test('the real switch2 guest passes the boot graph check against the switch2 preset', async (t) => {
  const [switch2Preset] = await loadTopologies('switch2');
  t.deepEqual(diffSnapshots(expectedGraph(switch2Preset!.topology), readGuestGraph(switch2).graph), []);
});

/** Renames ports/endpoints (one id counter, decoders follow their port) and memdevs throughout the graph text. */
function rename(text: string, portIds: Record<number, number>, memIds: Record<number, number>): string {
  return text
    .replace(/(?<![\w])(port|endpoint)(\d+)\b/g, (_, kind: string, n: string) => `${kind}${portIds[Number(n)] ?? n}`)
    .replace(/(?<![\w])decoder(\d+)\./g, (_, n: string) => `decoder${portIds[Number(n)] ?? n}.`)
    .replace(/(?<![\w])mem(\d+)\b/g, (_, n: string) => `mem${memIds[Number(n)] ?? n}`);
}

test('any other probe order (kernel names) gives the same graph, and names follow the objects', (t) => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 60 }), { minLength: 4, maxLength: 4 }), fc.uniqueArray(fc.integer({ min: 0, max: 9 }), { minLength: 2, maxLength: 2 }), (ids, mems) => {
      const [hb, sw, ep3, ep4] = ids as [number, number, number, number];
      const text = rename(switch2, { 1: hb, 2: sw, 3: ep3, 4: ep4 }, { 0: mems[0]!, 1: mems[1]! });
      const { graph, names } = readGuestGraph(text);
      t.deepEqual(graph, SWITCH2_GRAPH);
      t.deepEqual(names.ports, { hb12: `port${hb}`, 'hb12/rp0/switch': `port${sw}` });
      const bySerial = Object.fromEntries(names.devices.map((d) => [d.serial, [d.memdev, d.endpoint, d.decoders[0]]]));
      t.deepEqual(bySerial, { 1: [`mem${mems[1]}`, `endpoint${ep3}`, `decoder${ep3}.0`], 2: [`mem${mems[0]}`, `endpoint${ep4}`, `decoder${ep4}.0`] });
    }),
    { numRuns: 50 },
  );
});

test('lines in any order give the same result', (t) => {
  const lines = switch2.split('\n').filter(Boolean);
  t.deepEqual(readGuestGraph([...lines].reverse().join('\n')), readGuestGraph(switch2));
});

test('decoders are listed in index order, numerically (decoderN.10 after decoderN.2)', (t) => {
  const text = switch2.replace('endpoint3/decoders\tdecoder3.0 decoder3.1 decoder3.2 decoder3.3', 'endpoint3/decoders\tdecoder3.10 decoder3.2 decoder3.0 decoder3.1');
  const dev = readGuestGraph(text).names.devices.find((d) => d.serial === 1)!;
  t.deepEqual(dev.decoders, ['decoder3.0', 'decoder3.1', 'decoder3.2', 'decoder3.10']);
});

test('an endpoint whose parent dport is none of its parent\'s dports surfaces as unplaced', (t) => {
  const text = switch2.replace(/^endpoint4\/parent_dport\t.*$/m, 'endpoint4/parent_dport\t/sys/devices/pci0000:0c/0000:0c:00.0/0000:0d:00.0/0000:0e:07.0');
  const { graph, names } = readGuestGraph(text);
  t.is(graph['unplaced/endpoint4'], 'port2');
  t.false('hb12/rp0/ds1/endpoint' in graph);
  t.false(names.devices.some((d) => d.endpoint === 'endpoint4'));
  t.true(diffSnapshots(SWITCH2_GRAPH, graph).length > 0, 'the boot graph check fails');
});

test('a port whose parent the graph does not list surfaces as unplaced, and so does everything below it', (t) => {
  const text = switch2.replace('port2/parent\tport1', 'port2/parent\tport9');
  const { graph } = readGuestGraph(text);
  t.is(graph['unplaced/port2'], 'port9');
  t.is(graph['unplaced/endpoint3'], 'port2');
  t.is(graph['unplaced/endpoint4'], 'port2');
});

test('a memdev without a serial line is named in the endpoint value', (t) => {
  const text = switch2.replace('mem1/serial\t0x1\n', '');
  t.is(readGuestGraph(text).graph['hb12/rp0/ds0/endpoint'], '(mem1 has no serial)');
});

test('a root decoder attribute missing from the output reads (absent)', (t) => {
  const text = switch2.replace('decoder0.0/size\t0x100000000\n', '');
  t.is(readGuestGraph(text).graph['root/decoder0/size'], '(absent)');
});

test('pmem (D, hand-made): the cxl_nvdimm device is reported on its memdev, not as an unplaced port', async (t) => {
  const { graph, names } = readGuestGraph(fixture('pmem-constructed.tsv'));
  t.false(Object.keys(graph).some((k) => k.startsWith('unplaced/')), JSON.stringify(graph));
  t.like(graph, { 'hb12/rp0/endpoint': '0x1', 'device 0x1/pmem_size': '0x10000000', 'device 0x1/label_storage_size': '1048576', 'device 0x1/nvdimm': 'cxl_nvdimm' });
  t.deepEqual(names.devices, [{ serial: 1, path: 'hb12/rp0', memdev: 'mem0', endpoint: 'endpoint2', decoders: four(2) }]);
  const [pmem] = await loadTopologies('pmem');
  t.deepEqual(diffSnapshots(expectedGraph(pmem!.topology), graph), []);
});

test('an nvdimm whose driver did not bind reads "-"', (t) => {
  const text = fixture('pmem-constructed.tsv').replace('pmem0/driver\tcxl_nvdimm\n', '');
  t.is(readGuestGraph(text).graph['device 0x1/nvdimm'], '-');
});

test('empty output: an empty graph and no names', (t) => {
  t.deepEqual(readGuestGraph(''), { graph: {}, names: { rootDecoders: [], ports: {}, portDecoders: {}, devices: [] } });
});
