// The topology file's shape (zod schema) through parseTopology: keys, types, ranges; errors name file, field and value.
import test from 'ava';
import { GRANULARITIES, WINDOW_WAYS } from '../../../harness/topology/schema.ts';
import { base, parse, refuses } from './refuse.ts';

test("QEMU's accepted window granularities and ways (cxl_interleave_*_enc; QEMU 10.0.2 refuses 5 ways, starts 3 and 6)", (t) => {
  t.deepEqual([...GRANULARITIES], [256, 512, 1024, 2048, 4096, 8192, 16384]);
  t.deepEqual([...WINDOW_WAYS], [1, 2, 3, 4, 6, 8, 12, 16]);
});

test('an unknown key is named with its path and value', (t) => {
  const raw = { ...base(), topolgy: 'default' };
  refuses(t, raw, 'topolgy', '"default"', ['no such key (topolgy)', 'harness/topology/presets/']);
  const nested = base();
  nested.hostBridges[0].rootPorts[0].device.capacity = 256;
  refuses(t, nested, 'hostBridges[0].rootPorts[0].device.capacity', '256', ['no such key']);
});

test('a missing required key', (t) => {
  const raw = base();
  delete raw.hostBridges;
  refuses(t, raw, 'hostBridges', 'missing', ['array', 'required']);
});

test('capacity not a multiple of 256 MiB', (t) => {
  const raw = base();
  raw.hostBridges[0].rootPorts[0].device.volatileMiB = 384;
  refuses(t, raw, 'hostBridges[0].rootPorts[0].device.volatileMiB', '384', ['256']);
});

test("a window granularity QEMU does not encode", (t) => {
  const raw = base();
  raw.windows[0].granularity = 300;
  refuses(t, raw, 'windows[0].granularity', '300', ['256, 512, 1024, 2048, 4096, 8192, 16384']);
  raw.windows[0].granularity = '4k';
  refuses(t, raw, 'windows[0].granularity', '"4k"', ['number']);
});

test('an empty window is refused; its size counts in MiB multiples of 256', (t) => {
  const raw = base();
  raw.windows[0].sizeMiB = 0;
  refuses(t, raw, 'windows[0].sizeMiB', '0', ['256']);
});

test('bus numbers 1..254 (pcie.0 is bus 0)', (t) => {
  const raw = base();
  raw.hostBridges[0].busNr = 0;
  refuses(t, raw, 'hostBridges[0].busNr', '0', ['1']);
  raw.hostBridges[0].busNr = 255;
  refuses(t, raw, 'hostBridges[0].busNr', '255', ['254']);
});

test('a restriction name outside the four', (t) => {
  const raw = base();
  raw.windows[0].restrictions = ['type3', 'fast'];
  refuses(t, raw, 'windows[0].restrictions[1]', '"fast"', ['type2, type3, volatile, persistent']);
});

test('a topology name with capitals or underscores', (t) => {
  const raw = base();
  raw.name = 'My_Topo';
  refuses(t, raw, 'name', '"My_Topo"', ['lower-case']);
});

test('ids start with a letter', (t) => {
  const raw = base();
  raw.hostBridges[0].rootPorts[0].id = '0rp';
  refuses(t, raw, 'hostBridges[0].rootPorts[0].id', '"0rp"', ['a letter']);
});

test('a label storage area of 0 MiB is refused (leave the key out instead)', (t) => {
  const raw = base();
  raw.hostBridges[0].rootPorts[0].device = { id: 'p', persistentMiB: 256, lsaMiB: 0 };
  refuses(t, raw, 'hostBridges[0].rootPorts[0].device.lsaMiB', '0', ['1']);
});

test('a host bridge without root ports, a switch without downstream ports', (t) => {
  const raw = base();
  raw.hostBridges[0].rootPorts = [];
  refuses(t, raw, 'hostBridges[0].rootPorts', '[]', ['at least one root port']);
  const sw = base();
  sw.hostBridges[0].rootPorts[0] = { id: 'rp0', port: 0, slot: 2, switch: { id: 'us0', downstreamPorts: [] } };
  refuses(t, sw, 'hostBridges[0].rootPorts[0].switch.downstreamPorts', '[]', ['at least one downstream port']);
});

test('schema issues come before the cross-field rules', (t) => {
  // Both a schema issue (granularity) and a rule issue (unknown target): only the schema's is reported.
  const raw = base();
  raw.windows[0].granularity = 100;
  raw.windows[0].targets = ['nope'];
  const e = refuses(t, raw, 'windows[0].granularity', '100', []);
  t.false([e.message, ...e.details].some((l) => l.includes('nope')));
});

test('the minimal topology parses', (t) => {
  t.is(parse(base()).name, 'base');
});
