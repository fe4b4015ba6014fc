// checkRules via parseTopology: each cross-field rule's refusal names file, field, value and what is accepted; normalise.
import test from 'ava';
import { parseTopology } from '../../../harness/topology/load.ts';
import { base, parse, refuses, type Raw } from './refuse.ts';

// checkRules through parseTopology: each cross-field rule refuses with the file, field, value and what is accepted;
// normalise makes the defaults explicit.

const device = (id: string, serial?: number, extra: Raw = {}) => ({ id, ...(serial !== undefined ? { serial } : {}), volatileMiB: 256, ...extra });
const hb = (id: string, busNr: number, rootPorts: Raw[]) => ({ id, busNr, rootPorts });
const rp = (id: string, port: number, slot: number, below: Raw = {}) => ({ id, port, slot, ...below });

/** A switch with `n` downstream ports, each with a device; slots from 10 up. */
function switched(id: string, n: number, serialFrom: number): Raw {
  return { switch: { id, downstreamPorts: Array.from({ length: n }, (_, i) => ({ id: `${id}p${i}`, port: i, slot: 10 + i, device: device(`${id}m${i}`, serialFrom + i) })) } };
}

test('the base topology and every variation the rules allow are accepted', (t) => {
  t.notThrows(() => parse(base()));
  // The same root port number on two host bridges (hb2 preset: port 0 on both).
  const two = base();
  two.hostBridges.push(hb('cxl.2', 222, [rp('rp1', 0, 3, { device: device('mem1', 2) })]));
  t.notThrows(() => parse(two));
  // The same slot number on two chassis.
  const chassis = base();
  chassis.hostBridges[0].rootPorts.push({ ...rp('rp1', 1, 2, { device: device('mem1', 2) }), chassis: 1 });
  t.notThrows(() => parse(chassis));
  // All four restrictions spelled out.
  const all = base();
  all.windows[0].restrictions = ['type2', 'type3', 'volatile', 'persistent'];
  t.notThrows(() => parse(all));
});

test('duplicate ids: two root ports with one id', (t) => {
  const raw = base();
  raw.hostBridges[0].rootPorts.push(rp('rp0', 1, 3, { device: device('mem1', 2) }));
  refuses(t, raw, 'hostBridges[0].rootPorts[1].id', '"rp0"', ['hostBridges[0].rootPorts[0].id']);
});

test('duplicate ids: a device named like a host bridge, across kinds', (t) => {
  const raw = base();
  raw.hostBridges[0].rootPorts[0].device.id = 'cxl.1';
  refuses(t, raw, 'hostBridges[0].rootPorts[0].device.id', '"cxl.1"', ['hostBridges[0].id']);
});

test("duplicate ids: pcie.0 is q35's root bus", (t) => {
  const raw = base();
  raw.hostBridges[0].id = 'pcie.0';
  raw.windows[0].targets = ['pcie.0'];
  refuses(t, raw, 'hostBridges[0].id', '"pcie.0"', ["q35's root bus"]);
});

test("duplicate ids: a switch's mailbox CCI takes the id <switch>-cci", (t) => {
  const raw = base();
  const sw = switched('us0', 1, 1);
  sw.switch.mailboxCci = true;
  sw.switch.downstreamPorts[0].device.id = 'us0-cci';
  raw.hostBridges[0].rootPorts[0] = rp('rp0', 0, 2, sw);
  refuses(t, raw, 'hostBridges[0].rootPorts[0].switch.downstreamPorts[0].device.id', '"us0-cci"', ['hostBridges[0].rootPorts[0].switch.mailboxCci']);
});

// busesUsed: a switch2-shaped host bridge at bus 12 took buses 0x0c..0x10 on the real guest (the captured graph:
// host bridge 0c, root port 0c:00.0, upstream port 0d:00.0, downstream ports 0e:00.0/0e:01.0, devices on 0f and 10).
test('bus ranges: a host bridge may not start inside the buses a switch2-shaped host bridge takes (12–16)', (t) => {
  const raw = base();
  raw.hostBridges[0].rootPorts[0] = rp('rp0', 0, 2, switched('us0', 2, 1));
  raw.hostBridges.push(hb('cxl.2', 16, [rp('rp1', 0, 3, { device: device('mem9', 9) })]));
  refuses(t, raw, 'hostBridges[1].busNr', '16', ['hostBridges[0].busNr', /\b16\D17\b/, /\b12\D16\b/]);
  raw.hostBridges[1].busNr = 17;
  t.notThrows(() => parse(raw));
});

test('bus ranges: an earlier host bridge starting inside a later one is refused too', (t) => {
  const raw = base();
  raw.hostBridges[0].busNr = 13;
  raw.hostBridges.push(hb('cxl.2', 12, [rp('rp1', 0, 3, { device: device('mem1', 2) })]));
  // cxl.1 takes 13–14, cxl.2 takes 12–13.
  refuses(t, raw, 'hostBridges[1].busNr', '12', ['hostBridges[0].busNr']);
});

test('bus beyond 255: a host bridge at 254 with two root ports needs buses 254–256', (t) => {
  const raw = base();
  raw.hostBridges[0].busNr = 254;
  t.notThrows(() => parse(raw), 'one root port: buses 254 and 255 fit');
  raw.hostBridges[0].rootPorts.push(rp('rp1', 1, 3, { device: device('mem1', 2) }));
  refuses(t, raw, 'hostBridges[0].busNr', '254', ['3 buses', 'at most 253']);
});

test('port reuse: two root ports of one host bridge with one port number', (t) => {
  const raw = base();
  raw.hostBridges[0].rootPorts.push(rp('rp1', 0, 3, { device: device('mem1', 2) }));
  refuses(t, raw, 'hostBridges[0].rootPorts[1].port', '0', ['cxl.1', 'hostBridges[0].rootPorts[0]']);
});

test('port reuse: two downstream ports of one switch with one port number', (t) => {
  const raw = base();
  const sw = switched('us0', 2, 1);
  sw.switch.downstreamPorts[1].port = 0;
  raw.hostBridges[0].rootPorts[0] = rp('rp0', 0, 2, sw);
  refuses(t, raw, 'hostBridges[0].rootPorts[0].switch.downstreamPorts[1].port', '0', ['us0', 'hostBridges[0].rootPorts[0].switch.downstreamPorts[0]']);
});

test('chassis/slot reuse: two root ports in chassis 0 slot 2', (t) => {
  const raw = base();
  raw.hostBridges[0].rootPorts.push(rp('rp1', 1, 2, { device: device('mem1', 2) }));
  refuses(t, raw, 'hostBridges[0].rootPorts[1].slot', '2', ['chassis 0 slot 2', 'hostBridges[0].rootPorts[0]']);
});

test('chassis/slot reuse: a downstream port in a root port\'s slot', (t) => {
  const raw = base();
  const sw = switched('us0', 1, 1);
  sw.switch.downstreamPorts[0].slot = 2;
  raw.hostBridges[0].rootPorts[0] = rp('rp0', 0, 2, sw);
  refuses(t, raw, 'hostBridges[0].rootPorts[0].switch.downstreamPorts[0].slot', '2', ['chassis 0 slot 2']);
});

test('a device with no capacity', (t) => {
  const raw = base();
  raw.hostBridges[0].rootPorts[0].device = { id: 'mem0', serial: 1 };
  refuses(t, raw, 'hostBridges[0].rootPorts[0].device.volatileMiB', '0', ['volatileMiB', 'persistentMiB']);
});

test('a persistent device without lsaMiB', (t) => {
  const raw = base();
  raw.hostBridges[0].rootPorts[0].device = { id: 'mem0', persistentMiB: 256 };
  refuses(t, raw, 'hostBridges[0].rootPorts[0].device.lsaMiB', 'missing', ['label storage']);
  raw.hostBridges[0].rootPorts[0].device.lsaMiB = 1;
  t.notThrows(() => parse(raw));
});

test('a duplicate serial', (t) => {
  const raw = base();
  raw.hostBridges[0].rootPorts.push(rp('rp1', 1, 3, { device: device('mem1', 1) }));
  refuses(t, raw, 'hostBridges[0].rootPorts[1].device.serial', '1', ['hostBridges[0].rootPorts[0].device']);
});

test('a root port with both a device and a switch', (t) => {
  const raw = base();
  Object.assign(raw.hostBridges[0].rootPorts[0], switched('us0', 1, 2));
  refuses(t, raw, 'hostBridges[0].rootPorts[0].switch', '"us0"', ['not both']);
});

test('a topology without any device', (t) => {
  const raw = base();
  const sw = switched('us0', 1, 1);
  delete sw.switch.downstreamPorts[0].device;
  raw.hostBridges[0].rootPorts[0] = rp('rp0', 0, 2, sw);
  refuses(t, raw, 'hostBridges', '"(no device)"', ['Type-3 device']);
});

test('window targets: an unknown host bridge id', (t) => {
  const raw = base();
  raw.windows[0].targets = ['cxl.9'];
  refuses(t, raw, 'windows[0].targets[0]', '"cxl.9"', ['cxl.1']);
});

test('window targets: a host bridge listed twice', (t) => {
  const raw = base();
  raw.windows[0].targets = ['cxl.1', 'cxl.1'];
  refuses(t, raw, 'windows[0].targets[1]', '"cxl.1"', ['already listed']);
});

/** `n` host bridges with a device each, buses 10, 20, … and slots 1, 2, … */
function bridges(n: number): Raw {
  const raw = base();
  raw.hostBridges = Array.from({ length: n }, (_, i) => hb(`hb${i}`, 10 * (i + 1), [rp(`rp${i}`, 0, i + 1, { device: device(`m${i}`, i + 1) })]));
  raw.windows = [{ targets: raw.hostBridges.map((h: Raw) => h.id), sizeMiB: 4096 }];
  return raw;
}

test("window targets: ways outside QEMU's set (5 host bridges) are refused; 3 and 4 are accepted", (t) => {
  refuses(t, bridges(5), 'windows[0].targets', '["hb0","hb1","hb2","hb3","hb4"]', ['1, 2, 3, 4, 6, 8, 12, 16']);
  t.notThrows(() => parse(bridges(3)));
  t.notThrows(() => parse(bridges(4)));
});

test('a window smaller than 256 MiB per interleaved host bridge', (t) => {
  const raw = bridges(2);
  raw.windows[0].sizeMiB = 256;
  refuses(t, raw, 'windows[0].sizeMiB', '256', ['at least 512']);
  raw.windows[0].sizeMiB = 512;
  t.notThrows(() => parse(raw));
});

test('restrictions other than all four', (t) => {
  const raw = base();
  raw.windows[0].restrictions = ['type3', 'volatile'];
  refuses(t, raw, 'windows[0].restrictions', '["type3","volatile"]', ['type2', 'persistent']);
});

test("more windows than QEMU's CXL_WINDOW_MAX (10)", (t) => {
  const raw = base();
  raw.windows = Array.from({ length: 10 }, () => ({ targets: ['cxl.1'], sizeMiB: 256 }));
  t.notThrows(() => parse(raw));
  raw.windows.push({ targets: ['cxl.1'], sizeMiB: 256 });
  refuses(t, raw, 'windows', '11', ['at most 10']);
});

test('memory.maxMiB must exceed memory.bootMiB', (t) => {
  const raw = base();
  raw.memory = { bootMiB: 2048, maxMiB: 2048 };
  refuses(t, raw, 'memory.maxMiB', '2048', ['2048']);
  raw.memory = { bootMiB: 2048, maxMiB: 1024 };
  refuses(t, raw, 'memory.maxMiB', '1024', ['2048']);
  raw.memory = { bootMiB: 2048, maxMiB: 2304 };
  t.notThrows(() => parse(raw));
});

test('several issues: the first is the message, the others are details', (t) => {
  const raw = base();
  raw.windows[0].targets = ['cxl.8', 'cxl.9'];
  const e = refuses(t, raw, 'windows[0].targets[0]', '"cxl.8"', ['cxl.1']);
  t.true(e.details.some((d) => d.startsWith('windows[0].targets[1]: "cxl.9" is not accepted; ')), e.details.join('\n'));
});

test('normalise: defaults become explicit', (t) => {
  const topo = parseTopology('name: tiny\nhostBridges: [{ id: cxl.1, busNr: 12, rootPorts: [{ id: rp0, port: 0, slot: 2, device: { id: m, volatileMiB: 256 } }] }]\nwindows: [{ targets: [cxl.1], sizeMiB: 1024 }]\n', 'tiny.yaml');
  t.deepEqual(topo, {
    name: 'tiny',
    cpus: 2,
    memory: { bootMiB: 1024, maxMiB: 4096, slots: 4 },
    hostBridges: [{ id: 'cxl.1', busNr: 12, rootPorts: [{ id: 'rp0', port: 0, chassis: 0, slot: 2, device: { id: 'm', serial: 1, volatileMiB: 256, persistentMiB: 0, lsaMiB: 0 } }] }],
    windows: [{ targets: ['cxl.1'], sizeMiB: 1024, granularity: 256 }],
  });
});

test('normalise: devices without a serial are numbered from 1 in file order, skipping serials given', (t) => {
  const raw = base();
  raw.hostBridges[0].rootPorts = [
    rp('rp0', 0, 2, { device: device('a') }),
    rp('rp1', 1, 3, { device: device('b', 2) }),
    rp('rp2', 2, 4, { device: device('c') }),
    rp('rp3', 3, 5, switched('us0', 2, 0)),
  ];
  // us0's devices carry serials 0 and 1 (switched() numbers them from 0): 'a' gets 3, 'c' gets 4.
  const serials = parse(raw).hostBridges[0]!.rootPorts.flatMap((r) => [r.device, ...(r.switch?.downstreamPorts.map((d) => d.device) ?? [])]).flatMap((d) => (d ? [[d.id, d.serial]] : []));
  t.deepEqual(serials, [['a', 3], ['b', 2], ['c', 4], ['us0m0', 0], ['us0m1', 1]]);
});

test('normalise: a switch without mailboxCci has none; downstream chassis defaults to 0', (t) => {
  const raw = base();
  raw.hostBridges[0].rootPorts[0] = rp('rp0', 0, 2, switched('us0', 1, 1));
  const sw = parse(raw).hostBridges[0]!.rootPorts[0]!.switch!;
  t.false(sw.mailboxCci);
  t.is(sw.downstreamPorts[0]!.chassis, 0);
});
