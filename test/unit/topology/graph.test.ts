// expectedGraph against topologies.md's enumeration facts, for presets and hand-made variations.
import test from 'ava';
import { expectedGraph } from '../../../harness/topology/graph.ts';
import { loadTopologies } from '../../../harness/topology/load.ts';
import type { Topology } from '../../../harness/topology/types.ts';

// expectedGraph: the enumeration facts topologies.md records (root dports, window decoders, decoder counts, endpoints
// by serial, memdev sizes), for presets and hand-made variations.

const presets = new Map((await loadTopologies('all')).map((l) => [l.topology.name, l.topology] as const));
const preset = (name: string) => structuredClone(presets.get(name)!);
const CAPS = 'pmem ram type2 type3'; // all root decoders: cap_pmem=1 cap_ram=1 cap_type2=1 cap_type3=1
const RAM_256M = { ram_size: '0x10000000', pmem_size: '0x0', label_storage_size: '0' };
const device = (serial: number, sizes: Record<string, string>) => Object.fromEntries(Object.entries(sizes).map(([k, v]) => [`device 0x${serial.toString(16)}/${k}`, v]));

test('hb2 (A): root dports are the bus numbers; window 2-way 4096 over 12,222; passthrough host bridges have 1 decoder', (t) => {
  t.deepEqual(expectedGraph(preset('hb2')), {
    'root/dports': '12,222',
    'root/decoder0/target_list': '12,222',
    'root/decoder0/interleave_ways': '2',
    'root/decoder0/interleave_granularity': '4096',
    'root/decoder0/size': '0x100000000',
    'root/decoder0/caps': CAPS,
    'hb12/dports': '0',
    'hb12/decoders': '1',
    'hb222/dports': '0',
    'hb222/decoders': '1',
    'hb12/rp0/endpoint': '0x1',
    'hb12/rp0/endpoint/decoders': '4',
    'hb222/rp0/endpoint': '0x2',
    'hb222/rp0/endpoint/decoders': '4',
    ...device(1, RAM_256M),
    ...device(2, RAM_256M),
  });
});

test('switch2 (B): the switch has dports 0,1 and 4 decoders; endpoints by downstream port', (t) => {
  t.deepEqual(expectedGraph(preset('switch2')), {
    'root/dports': '12',
    'root/decoder0/target_list': '12',
    'root/decoder0/interleave_ways': '1',
    'root/decoder0/interleave_granularity': '256',
    'root/decoder0/size': '0x100000000',
    'root/decoder0/caps': CAPS,
    'hb12/dports': '0',
    'hb12/decoders': '1',
    'hb12/rp0/switch/dports': '0,1',
    'hb12/rp0/switch/decoders': '4',
    'hb12/rp0/ds0/endpoint': '0x1',
    'hb12/rp0/ds0/endpoint/decoders': '4',
    'hb12/rp0/ds1/endpoint': '0x2',
    'hb12/rp0/ds1/endpoint/decoders': '4',
    ...device(1, RAM_256M),
    ...device(2, RAM_256M),
  });
});

test('an x1 window given 4k reads granularity 256 (acpi.c minimises x1 granularity; observed on B)', (t) => {
  const b = preset('switch2');
  b.windows[0]!.granularity = 4096;
  t.is(expectedGraph(b)['root/decoder0/interleave_granularity'], '256');
});

test('a host bridge with two root ports has 4 decoders (C, F); with one, 1 (A, B, D, E)', (t) => {
  const rp2 = expectedGraph(preset('rp2'));
  t.is(rp2['hb12/decoders'], '4');
  t.is(rp2['hb12/dports'], '0,1');
  const f = expectedGraph(preset('hb2x2'));
  t.is(f['hb12/decoders'], '4');
  t.is(f['hb222/decoders'], '4');
  for (const name of ['default', 'hb2', 'pmem', 'switch2', 'switch4']) t.is(expectedGraph(preset(name))['hb12/decoders'], '1', name);
});

test('target_list is bus numbers in window order, not sorted; root dports are sorted', (t) => {
  const a = preset('hb2');
  a.windows[0]!.targets = ['cxl.2', 'cxl.1'];
  const g = expectedGraph(a);
  t.is(g['root/decoder0/target_list'], '222,12');
  t.is(g['root/dports'], '12,222');
});

test('hb2x2 (F): one root decoder per window, in window order', (t) => {
  const g = expectedGraph(preset('hb2x2'));
  t.deepEqual(
    Object.fromEntries(Object.entries(g).filter(([k]) => k.startsWith('root/decoder'))),
    {
      'root/decoder0/target_list': '12,222',
      'root/decoder0/interleave_ways': '2',
      'root/decoder0/interleave_granularity': '4096',
      'root/decoder0/size': '0x100000000',
      'root/decoder0/caps': CAPS,
      'root/decoder1/target_list': '12',
      'root/decoder1/interleave_ways': '1',
      'root/decoder1/interleave_granularity': '256',
      'root/decoder1/size': '0x100000000',
      'root/decoder1/caps': CAPS,
    },
  );
});

test('sw2x2 (G): a switch under each root port', (t) => {
  const g = expectedGraph(preset('sw2x2'));
  t.is(g['hb12/decoders'], '4');
  t.is(g['hb12/rp0/switch/dports'], '0,1');
  t.is(g['hb12/rp1/switch/dports'], '0,1');
  t.is(g['hb12/rp0/ds1/endpoint'], '0x2');
  t.is(g['hb12/rp1/ds0/endpoint'], '0x3');
});

test('pmem (D): pmem size, LSA in decimal bytes, and the cxl_nvdimm device', (t) => {
  const g = expectedGraph(preset('pmem'));
  t.like(g, device(1, { ram_size: '0x0', pmem_size: '0x10000000', label_storage_size: '1048576', nvdimm: 'cxl_nvdimm' }));
  t.false('device 0x1/nvdimm' in expectedGraph(preset('default')), 'no nvdimm for a volatile-only device');
});

test('serials are hex, as the memdev serial attribute prints them', (t) => {
  const topo: Topology = preset('default');
  topo.hostBridges[0]!.rootPorts[0]!.device!.serial = 0xabc;
  const g = expectedGraph(topo);
  t.is(g['hb12/rp0/endpoint'], '0xabc');
  t.is(g['device 0xabc/ram_size'], '0x10000000');
});
