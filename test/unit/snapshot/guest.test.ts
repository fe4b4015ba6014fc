// The snapshot's guest side: fingerprint parsing and comparison, the settle, detach and attach scripts as shell.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { execa } from 'execa';
import { attachCommand, attachedFunctions, compareFingerprints, detachCommand, parseFingerprint, settleCommand, type GuestFingerprint } from '../../../harness/snapshot/guest.ts';

// Headers as the default topology's guest printed them after boot (QEMU 10.0.2, Debian 7.2 kernel).
const PXB = '361b0b000301a000000000060000000000000000000000000000000000000000000000000000000000000000f41a001100000000000000000000000000000000';
const RP = '86807570060510000000040600000100040064fe000000000c0d0d00f000000040fe50fe81fe91fe00000000000000000000000074000000000000000a010200';
const T3 = '8680930d070510000110020500000000040040fe00000000040041fe00000000001041fe0000000000000000f41a001100000000400000000000000000000000';
// The same root port and Type-3 device right after a restore: QEMU has no migration state for them.
const RP_RESET = '86807570000010000000040600000100040000000000000000000000f0000000f0ff0000f1ff0100000000000000000000000000740000000000000000010000';
const ALL_ONES = 'f'.repeat(128);

const dump = (pci: Record<string, string>, uptime = '7.60 3.10') =>
  [
    '--- cxl-harness pci',
    ...Object.entries(pci).map(([a, h]) => `${a}\t${h}`),
    '--- cxl-harness devices',
    'cxl/decoder0.0',
    'cxl/endpoint2',
    'cxl/mem0',
    'cxl/root0',
    '--- cxl-harness state',
    'cxl/decoder0.0/create_ram_region\tregion0',
    'memory/auto_online_blocks\toffline',
    '--- cxl-harness graph',
    'endpoint2/parent\tport1',
    'mem0/serial\t0x1',
    '--- cxl-harness uptime',
    uptime,
    '--- cxl-harness session',
    '321',
    '',
  ].join('\n');

const saved = parseFingerprint(dump({ '0000:00:02.0': PXB, '0000:0c:00.0': RP, '0000:0d:00.0': T3 }));

test('an attach programs the functions below the CXL host bridges and the expander bridges, nothing else', (t) => {
  const withOthers = parseFingerprint(dump({ '0000:00:00.0': RP, '0000:00:01.0': RP, '0000:00:02.0': PXB, '0000:0c:00.0': RP, '0000:0d:00.0': T3 }));
  t.deepEqual(attachedFunctions(withOthers, [12]), ['0000:00:02.0', '0000:0c:00.0', '0000:0d:00.0']);
  t.deepEqual(attachedFunctions(withOthers, [13]), ['0000:00:02.0', '0000:0d:00.0']);
});

test('parseFingerprint reads every section', (t) => {
  t.deepEqual(Object.keys(saved.pci), ['0000:00:02.0', '0000:0c:00.0', '0000:0d:00.0']);
  t.deepEqual(saved.devices, ['cxl/decoder0.0', 'cxl/endpoint2', 'cxl/mem0', 'cxl/root0']);
  t.is(saved.state, 'cxl/decoder0.0/create_ram_region\tregion0\nmemory/auto_online_blocks\toffline\n');
  t.is(saved.graph, 'endpoint2/parent\tport1\nmem0/serial\t0x1\n');
  t.is(saved.uptime, 7.6);
});

test('an identical guest, a later uptime, changed status bits and interrupt line are no difference', (t) => {
  // Status (bytes 6-7) and a bridge's secondary status (0x1e-0x1f) have RW1C bits that move on their own; the
  // interrupt line (0x3c) is a scratch register a rescan leaves at 0.
  const rp = `${RP.slice(0, 12)}ff00${RP.slice(16, 0x1e * 2)}ffff${RP.slice(0x20 * 2, 0x3c * 2)}00${RP.slice(0x3d * 2)}`;
  const now = parseFingerprint(dump({ '0000:00:02.0': PXB, '0000:0c:00.0': rp, '0000:0d:00.0': T3 }, '8.23 3.30'));
  t.deepEqual(compareFingerprints(saved, now), []);
});

test('what QEMU 10.0.2 does to a restored CXL hierarchy is found, device by device', (t) => {
  const pxb = `${PXB.slice(0, 8)}0000${PXB.slice(12)}`;
  const now = parseFingerprint(dump({ '0000:00:02.0': pxb, '0000:0c:00.0': RP_RESET, '0000:0d:00.0': ALL_ONES }));
  const d = compareFingerprints(saved, now);
  t.is(d.length, 3);
  t.regex(d[0]!, /^pci 0000:00:02\.0: config header differs at 0x04 0x05 \(saved /);
  t.regex(d[1]!, /^pci 0000:0c:00\.0: config header differs at 0x04 0x05 0x12 0x13 0x18 0x19 0x1a /);
  t.is(d[2], 'pci 0000:0d:00.0: config space reads all ones (the device is unreachable: its bridge lost its bus numbers)');
});

test('renamed devices and a different graph are differences; vanished PCI functions too', (t) => {
  const other: GuestFingerprint = {
    ...saved,
    pci: { '0000:00:02.0': PXB, '0000:0c:00.0': RP },
    devices: ['cxl/decoder0.0', 'cxl/endpoint3', 'cxl/mem0', 'cxl/root0'],
    graph: 'endpoint3/parent\tport1\nmem0/serial\t0x1\n',
  };
  t.deepEqual(compareFingerprints(saved, other), [
    'pci 0000:0d:00.0: vanished',
    'devices: only saved: cxl/endpoint2',
    'devices: only now: cxl/endpoint3',
    'graph: only saved: endpoint2/parent\tport1',
    'graph: only now: endpoint3/parent\tport1',
  ]);
});

test('the settle, detach and attach scripts are valid shell and carry the saved names and firmware values', async (t) => {
  const settle = settleCommand(321, new Date(1_700_000_000_000));
  t.true(settle.startsWith('date -s @1700000000 '));
  t.true(settle.includes('kill 321 '), 'the dropbear process of the saving session');
  const attach = attachCommand(saved, 10_000, [12]);
  t.true(attach.includes("want=' decoder0.0 endpoint2 mem0 root0'"));
  t.true(attach.includes('echo 1 > /sys/class/pci_bus/0000:0c/rescan'), 'the CXL host bridge\'s root bus (12), no other');
  t.false(attach.includes('/sys/bus/pci/rescan'));
  // The first six bytes as stored (IDs, then the command register little endian), for the functions an attach programs.
  t.true(attach.includes("printf '\\206\\200\\165\\160\\006\\005' 1<> /sys/bus/pci/devices/0000:0c:00.0/config"));
  t.true(attach.includes("printf '\\206\\200\\223\\015\\007\\005' 1<> /sys/bus/pci/devices/0000:0d:00.0/config"));
  t.true(attach.includes("printf '\\066\\033\\013\\000\\003\\001' 1<> /sys/bus/pci/devices/0000:00:02.0/config"), 'the expander bridge too');
  t.true(attach.includes('[ $i -lt 500 ]'));
  for (const script of [settle, detachCommand(), attach]) {
    const r = await execa('sh', ['-n'], { input: script, reject: false });
    t.is(r.exitCode, 0, r.stderr);
  }
});

test('the attach writes the command register back, and nothing else', async (t) => {
  // Run the write-backs on the host against fake config files, reset as QEMU leaves them.
  const root = await mkdtemp(join(tmpdir(), 'attach-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const pxbReset = `${PXB.slice(0, 8)}0000${PXB.slice(12)}`;
  const reset: Record<string, string> = { '0000:00:02.0': pxbReset, '0000:0c:00.0': RP_RESET, '0000:0d:00.0': T3.replace(/^(.{8})0705/, '$10604') };
  for (const [addr, hex] of Object.entries(reset)) {
    await mkdir(`${root}/sys/bus/pci/devices/${addr}`, { recursive: true });
    await writeFile(`${root}/sys/bus/pci/devices/${addr}/config`, Buffer.from(hex, 'hex'));
  }
  const script = attachCommand(saved, 50, [12])
    .split('\n')
    .filter((l) => l.startsWith('printf '))
    .join('\n')
    .replaceAll('/sys/bus/pci/devices/', `${root}/sys/bus/pci/devices/`);
  const r = await execa('sh', ['-c', script], { reject: false });
  t.is(r.exitCode, 0, r.stderr);
  for (const [addr, hex] of Object.entries(reset)) {
    const want = Buffer.from(hex, 'hex');
    want.set(Buffer.from(saved.pci[addr]!, 'hex').subarray(4, 6), 4);
    t.is((await readFile(`${root}/sys/bus/pci/devices/${addr}/config`)).toString('hex'), want.toString('hex'), addr);
  }
});
