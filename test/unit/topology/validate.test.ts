// validateTopology: every rule rejects with the field and value named; known-good topologies pass unchanged.
import test from 'ava';
import { HarnessError } from '../../../harness/common/errors.ts';
import { defaultTopology } from '../../../harness/topology/default.ts';
import { validateTopology } from '../../../harness/topology/validate.ts';
import { twoWayTopology } from './two-way.ts';

const FILE = 'topo.yaml';
// Inputs are deliberately malformed, so they cannot be typed as Topology.
type Raw = any;
const one = (): Raw => structuredClone(defaultTopology);
const two = (): Raw => structuredClone(twoWayTopology);
const rp = (hb: number, r: number) => `hostBridges[${hb}].rootPorts[${r}]`;

interface Case {
  title: string;
  raw: Raw;
  field: string;
  value: unknown;
  /** A fragment the accepted-values text must contain. */
  accepted?: string;
}

const edit = (base: Raw, change: (t: Raw) => void): Raw => {
  change(base);
  return base;
};

const cases: Case[] = [
  { title: 'top level must be a mapping', raw: null, field: '(top level)', value: null, accepted: 'a mapping with keys' },
  { title: 'unknown top-level key', raw: edit(one(), (t) => (t.cpu = 2)), field: 'cpu', value: 2, accepted: 'allowed keys: name, cpus, memory, hostBridges, windows' },
  { title: 'unknown nested key', raw: edit(one(), (t) => (t.hostBridges[0].rootPorts[0].device.size = 256)), field: `${rp(0, 0)}.device.size`, value: 256, accepted: 'allowed keys: id, volatileMiB' },
  { title: 'name empty', raw: edit(one(), (t) => (t.name = '')), field: 'name', value: '', accepted: 'a non-empty string' },
  { title: 'name missing', raw: edit(one(), (t) => delete t.name), field: 'name', value: undefined, accepted: 'required' },
  { title: 'cpus 0', raw: edit(one(), (t) => (t.cpus = 0)), field: 'cpus', value: 0, accepted: 'an integer from 1 to 64' },
  { title: 'cpus 65', raw: edit(one(), (t) => (t.cpus = 65)), field: 'cpus', value: 65 },
  { title: 'cpus not an integer', raw: edit(one(), (t) => (t.cpus = 1.5)), field: 'cpus', value: 1.5 },
  { title: 'cpus as a string', raw: edit(one(), (t) => (t.cpus = '2')), field: 'cpus', value: '2' },
  { title: 'memory not a mapping', raw: edit(one(), (t) => (t.memory = '1G')), field: 'memory', value: '1G', accepted: 'bootMiB, maxMiB, slots' },
  { title: 'bootMiB below 256', raw: edit(one(), (t) => (t.memory.bootMiB = 255)), field: 'memory.bootMiB', value: 255, accepted: 'an integer >= 256' },
  { title: 'maxMiB not above bootMiB', raw: edit(one(), (t) => (t.memory.maxMiB = 1024)), field: 'memory.maxMiB', value: 1024, accepted: 'greater than memory.bootMiB (1024)' },
  { title: 'slots 0', raw: edit(one(), (t) => (t.memory.slots = 0)), field: 'memory.slots', value: 0, accepted: 'an integer from 1 to 256' },
  { title: 'slots 257', raw: edit(one(), (t) => (t.memory.slots = 257)), field: 'memory.slots', value: 257 },
  { title: 'no host bridge', raw: edit(one(), (t) => (t.hostBridges = [])), field: 'hostBridges', value: [], accepted: 'at least one host bridge' },
  { title: 'host bridge id empty', raw: edit(one(), (t) => (t.hostBridges[0].id = '')), field: 'hostBridges[0].id', value: '', accepted: 'a letter, then' },
  { title: 'host bridge id not starting with a letter', raw: edit(one(), (t) => (t.hostBridges[0].id = '1cxl')), field: 'hostBridges[0].id', value: '1cxl' },
  { title: 'host bridge id with a comma', raw: edit(one(), (t) => (t.hostBridges[0].id = 'cxl,1')), field: 'hostBridges[0].id', value: 'cxl,1' },
  { title: 'host bridge id is the root bus', raw: edit(one(), (t) => (t.hostBridges[0].id = 'pcie.0')), field: 'hostBridges[0].id', value: 'pcie.0', accepted: "q35's root bus" },
  { title: 'host bridge ids unique', raw: edit(two(), (t) => (t.hostBridges[1].id = 'cxl.1')), field: 'hostBridges[1].id', value: 'cxl.1', accepted: 'already used by hostBridges[0].id' },
  { title: 'busNr 0', raw: edit(one(), (t) => (t.hostBridges[0].busNr = 0)), field: 'hostBridges[0].busNr', value: 0, accepted: 'an integer from 1 to 254' },
  { title: 'busNr 255', raw: edit(one(), (t) => (t.hostBridges[0].busNr = 255)), field: 'hostBridges[0].busNr', value: 255 },
  { title: 'busNr unique', raw: edit(two(), (t) => (t.hostBridges[1].busNr = 12)), field: 'hostBridges[1].busNr', value: 12, accepted: 'already used by hostBridges[0].busNr' },
  { title: 'rootPorts not a list', raw: edit(one(), (t) => (t.hostBridges[0].rootPorts = {})), field: 'hostBridges[0].rootPorts', value: {}, accepted: 'a list of root ports' },
  { title: 'root port id bad', raw: edit(one(), (t) => (t.hostBridges[0].rootPorts[0].id = 'rp 1')), field: `${rp(0, 0)}.id`, value: 'rp 1' },
  { title: 'root port id equals a host bridge id', raw: edit(one(), (t) => (t.hostBridges[0].rootPorts[0].id = 'cxl.1')), field: `${rp(0, 0)}.id`, value: 'cxl.1', accepted: 'already used by hostBridges[0].id' },
  { title: 'root port ids unique across host bridges', raw: edit(two(), (t) => (t.hostBridges[1].rootPorts[0].id = 'root_port13')), field: `${rp(1, 0)}.id`, value: 'root_port13', accepted: `already used by ${rp(0, 0)}.id` },
  { title: 'port 256', raw: edit(one(), (t) => (t.hostBridges[0].rootPorts[0].port = 256)), field: `${rp(0, 0)}.port`, value: 256, accepted: 'an integer from 0 to 255' },
  {
    title: 'port unique per host bridge',
    raw: edit(one(), (t) => t.hostBridges[0].rootPorts.push({ id: 'root_port14', port: 0, chassis: 0, slot: 3 })),
    field: `${rp(0, 1)}.port`,
    value: 0,
    accepted: 'not used elsewhere on cxl.1',
  },
  { title: 'chassis 256', raw: edit(one(), (t) => (t.hostBridges[0].rootPorts[0].chassis = 256)), field: `${rp(0, 0)}.chassis`, value: 256, accepted: 'an integer from 0 to 255' },
  { title: 'slot negative', raw: edit(one(), (t) => (t.hostBridges[0].rootPorts[0].slot = -1)), field: `${rp(0, 0)}.slot`, value: -1 },
  { title: '(chassis, slot) unique over the topology', raw: edit(two(), (t) => (t.hostBridges[1].rootPorts[0].slot = 2)), field: `${rp(1, 0)}.slot`, value: 2, accepted: `chassis 0 slot 2 already used by ${rp(0, 0)}` },
  { title: 'device not a mapping', raw: edit(one(), (t) => (t.hostBridges[0].rootPorts[0].device = null)), field: `${rp(0, 0)}.device`, value: null, accepted: 'id, volatileMiB' },
  { title: 'device id equals its root port id', raw: edit(one(), (t) => (t.hostBridges[0].rootPorts[0].device.id = 'root_port13')), field: `${rp(0, 0)}.device.id`, value: 'root_port13' },
  { title: 'device ids unique', raw: edit(two(), (t) => (t.hostBridges[1].rootPorts[0].device.id = 'cxl-vmem0')), field: `${rp(1, 0)}.device.id`, value: 'cxl-vmem0', accepted: `already used by ${rp(0, 0)}.device.id` },
  { title: 'volatileMiB 128', raw: edit(one(), (t) => (t.hostBridges[0].rootPorts[0].device.volatileMiB = 128)), field: `${rp(0, 0)}.device.volatileMiB`, value: 128, accepted: 'a positive multiple of 256 (MiB)' },
  { title: 'volatileMiB 0', raw: edit(one(), (t) => (t.hostBridges[0].rootPorts[0].device.volatileMiB = 0)), field: `${rp(0, 0)}.device.volatileMiB`, value: 0 },
  { title: 'volatileMiB as a size string', raw: edit(one(), (t) => (t.hostBridges[0].rootPorts[0].device.volatileMiB = '256M')), field: `${rp(0, 0)}.device.volatileMiB`, value: '256M' },
  { title: 'no device at all', raw: edit(one(), (t) => delete t.hostBridges[0].rootPorts[0].device), field: 'hostBridges[*].rootPorts[*].device', value: [], accepted: 'at least one Type-3 device' },
  { title: 'no window', raw: edit(one(), (t) => (t.windows = [])), field: 'windows', value: [], accepted: 'at least one fixed memory window' },
  { title: 'window targets empty', raw: edit(one(), (t) => (t.windows[0].targets = [])), field: 'windows[0].targets', value: [], accepted: 'a list of 1, 2, 4, 8, 16 host bridge ids (one of: cxl.1)' },
  {
    title: 'window target count not a power of two',
    raw: edit(two(), (t) => {
      t.hostBridges.push({ id: 'cxl.3', busNr: 100, rootPorts: [] });
      t.windows[0].targets = ['cxl.1', 'cxl.2', 'cxl.3'];
    }),
    field: 'windows[0].targets',
    value: ['cxl.1', 'cxl.2', 'cxl.3'],
  },
  { title: 'window target unknown', raw: edit(two(), (t) => (t.windows[0].targets = ['cxl.1', 'cxl.9'])), field: 'windows[0].targets[1]', value: 'cxl.9', accepted: 'one of: cxl.1, cxl.2' },
  { title: 'window target duplicated', raw: edit(two(), (t) => (t.windows[0].targets = ['cxl.2', 'cxl.2'])), field: 'windows[0].targets[1]', value: 'cxl.2', accepted: 'not already listed' },
  { title: 'window size not a multiple of 256', raw: edit(one(), (t) => (t.windows[0].sizeMiB = 1000)), field: 'windows[0].sizeMiB', value: 1000, accepted: 'a positive multiple of 256 (MiB)' },
  { title: 'window size too small for its targets', raw: edit(two(), (t) => (t.windows[0].sizeMiB = 256)), field: 'windows[0].sizeMiB', value: 256, accepted: 'at least 512' },
  { title: 'granularity below 256', raw: edit(one(), (t) => (t.windows[0].granularity = 128)), field: 'windows[0].granularity', value: 128, accepted: 'one of: 256, 512, 1024, 2048, 4096, 8192, 16384 (bytes)' },
  { title: 'granularity not a power of two', raw: edit(one(), (t) => (t.windows[0].granularity = 3000)), field: 'windows[0].granularity', value: 3000 },
  { title: 'granularity above 16384', raw: edit(one(), (t) => (t.windows[0].granularity = 32768)), field: 'windows[0].granularity', value: 32768 },
  { title: 'granularity as a size string', raw: edit(one(), (t) => (t.windows[0].granularity = '4k')), field: 'windows[0].granularity', value: '4k' },
];

for (const c of cases) {
  test(`rejects: ${c.title}`, (t) => {
    const err = t.throws(() => validateTopology(c.raw, FILE), { instanceOf: HarnessError });
    t.is(err?.stage, 'input');
    t.true(err?.message.startsWith(`${FILE}: ${c.field}: ${JSON.stringify(c.value)} is not accepted; `), err?.message);
    if (c.accepted) t.true(err?.message.includes(c.accepted), err?.message);
  });
}

test('reports the first problem only', (t) => {
  const raw = edit(one(), (r) => {
    r.cpus = 0;
    r.windows = [];
  });
  t.regex(t.throws(() => validateTopology(raw, FILE))?.message ?? '', /: cpus: 0 /);
});

test('the default topology passes unchanged', (t) => {
  t.deepEqual(validateTopology(one(), FILE), defaultTopology);
});

test('a 2-host-bridge, 2-device, 2-way window topology passes unchanged', (t) => {
  t.deepEqual(validateTopology(two(), FILE), twoWayTopology);
});

test('granularity bounds 256 and 16384 are accepted', (t) => {
  for (const g of [256, 16384]) {
    t.is(validateTopology(edit(one(), (r) => (r.windows[0].granularity = g)), FILE).windows[0]?.granularity, g);
  }
});

test('the same port number on different host bridges is fine', (t) => {
  const out = validateTopology(two(), FILE);
  t.is(out.hostBridges[0]?.rootPorts[0]?.port, out.hostBridges[1]?.rootPorts[0]?.port);
});

test('returns a fresh object, not the input', (t) => {
  const raw = one();
  const out = validateTopology(raw, FILE);
  raw.hostBridges[0].id = 'changed';
  t.is(out.hostBridges[0]?.id, 'cxl.1');
});
