// qemuArgv against hand-written per-preset goldens and the QEMU argument shapes topologies.md recorded.
import { readFile, writeFile } from 'node:fs/promises';
import test from 'ava';
import { backingFiles, qemuArgv, type QemuArgvOptions } from '../../../harness/topology/argv.ts';
import { loadTopologies } from '../../../harness/topology/load.ts';
import type { Topology } from '../../../harness/topology/types.ts';

// qemuArgv: the common part and each preset's CXL part against hand-written goldens (test/fixtures/argv/), and the
// shapes topologies.md records from QEMU 10.0.2 (one -M, sn=, file backends, the switch mailbox CCI).

// The goldens were written by hand from each preset file and checked value by value against topologies.md's argv
// for the same shape (A = hb2, B = switch2, C = rp2, D = pmem, E = switch4, F = hb2x2, G = sw2x2): same devices,
// buses, ports, chassis/slots, backends and -M keys. UPDATE_GOLDEN=1 rewrites them from the code: check every line
// by hand again before keeping the result.
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const options: QemuArgvOptions = {
  kernel: '/k/vmlinuz',
  initrd: '/k/initrd.cpio',
  append: 'console=ttyS0 panic=-1 loglevel=5 memhp_default_state=offline cxl_harness.key=KEY',
  sshPort: 10022,
  backingDir: '/backing',
};

const presets = new Map((await loadTopologies('all')).map((l) => [l.topology.name, l.topology] as const));
const preset = (name: string): Topology => {
  const t = presets.get(name);
  if (!t) throw new Error(`no preset ${name}`);
  return t;
};

// topologies.md "Common argv", with its placeholders filled from `options`, and single-threaded TCG (the harness's
// own choice: docs/observations.md "QEMU faults").
const COMMON = [
  '-nodefaults', '-no-user-config', '-display', 'none', '-monitor', 'none', '-serial', 'stdio', '-no-reboot',
  '-machine', 'q35,cxl=on', '-cpu', 'max,-hypervisor', '-accel', 'tcg,thread=single', '-smp', '2', '-m', '1024M,maxmem=4096M,slots=4',
  '-kernel', '/k/vmlinuz', '-initrd', '/k/initrd.cpio',
  '-append', 'console=ttyS0 panic=-1 loglevel=5 memhp_default_state=offline cxl_harness.key=KEY',
  '-netdev', 'user,id=net0,hostfwd=tcp:127.0.0.1:10022-:22', '-device', 'virtio-net-pci,netdev=net0',
];

const cxlPart = (argv: string[]) => argv.slice(COMMON.length);
const values = (argv: string[], flag: string) => argv.flatMap((a, i) => (a === flag ? [argv[i + 1]!] : []));

for (const name of presets.keys()) {
  test(`${name}: the common part is topologies.md's common argv, with single-threaded TCG`, (t) => {
    t.deepEqual(qemuArgv(preset(name), options).slice(0, COMMON.length), COMMON);
  });

  test(`${name}: the CXL part matches test/fixtures/argv/${name}.argv`, async (t) => {
    const file = new URL(`../../fixtures/argv/${name}.argv`, import.meta.url);
    const actual = cxlPart(qemuArgv(preset(name), options));
    if (UPDATE) await writeFile(file, `${actual.join('\n')}\n`);
    const golden = (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);
    t.true(golden.length > 0, `no golden for preset ${name}: write test/fixtures/argv/${name}.argv by hand`);
    t.deepEqual(actual, golden);
  });

  test(`${name}: one -M holds every cxl-fmw key of every window`, (t) => {
    const topo = preset(name);
    const argv = qemuArgv(topo, options);
    const ms = values(argv, '-M');
    t.is(ms.length, 1, 'QEMU 10.0.2 refuses cxl-fmw keys split over several -M ("used inconsistently")');
    const keys = ms[0]!.split(',').map((kv) => kv.slice(0, kv.indexOf('=')));
    const expected = topo.windows.flatMap((w, k) => [...w.targets.map((_, i) => `cxl-fmw.${k}.targets.${i}`), `cxl-fmw.${k}.size`, `cxl-fmw.${k}.interleave-granularity`]);
    t.deepEqual(keys.sort(), expected.sort());
    t.false(argv.some((a, i) => a.startsWith('cxl-fmw') && argv[i - 1] !== '-M'));
  });

  test(`${name}: every Type-3 device has sn= (its serial) and file-backed, shared memory`, (t) => {
    const topo = preset(name);
    const argv = qemuArgv(topo, options);
    const type3 = values(argv, '-device').filter((d) => d.startsWith('cxl-type3,'));
    const objects = values(argv, '-object');
    const devices = topo.hostBridges.flatMap((hb) => hb.rootPorts.flatMap((rp) => [rp.device, ...(rp.switch?.downstreamPorts.map((d) => d.device) ?? [])])).filter((d) => d !== undefined);
    t.is(type3.length, devices.length);
    for (const d of devices) {
      const dev = type3.find((x) => x.includes(`,id=${d.id},`))!;
      t.truthy(dev, d.id);
      // QEMU parses sn as an integer of any base: sn=1 is the sn=0x1 of topologies.md.
      t.is(/,sn=(\d+)$/.exec(dev)?.[1], String(d.serial));
      for (const [param, mib, role] of [['volatile-memdev', d.volatileMiB, 'vmem'], ['persistent-memdev', d.persistentMiB, 'pmem'], ['lsa', d.lsaMiB, 'lsa']] as const) {
        const backend = new RegExp(`,${param}=([^,]+)`).exec(dev)?.[1];
        if (!mib) {
          t.is(backend, undefined, `${d.id} has no ${param}`);
          continue;
        }
        const obj = objects.find((o) => o.includes(`,id=${backend},`) || o.endsWith(`,id=${backend}`));
        t.is(obj, `memory-backend-file,id=${backend},share=on,mem-path=/backing/${d.id}.${role}.raw,size=${mib}M`);
      }
    }
  });
}

test('F (hb2x2): the -M says what topologies.md\'s F said, all windows in one option', (t) => {
  const [m] = values(qemuArgv(preset('hb2x2'), options), '-M');
  // topologies.md F: cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.targets.1=cxl.2,cxl-fmw.0.size=4G,cxl-fmw.0.interleave-granularity=4k,
  // cxl-fmw.1.targets.0=cxl.1,cxl-fmw.1.size=4G. 4G = 4096M, 4k = 4096 (both accepted, observed), and an omitted
  // granularity is QEMU's default 256.
  const kv = Object.fromEntries(m!.split(',').map((x) => x.split('=') as [string, string]));
  t.deepEqual(kv, {
    'cxl-fmw.0.targets.0': 'cxl.1',
    'cxl-fmw.0.targets.1': 'cxl.2',
    'cxl-fmw.0.size': '4096M',
    'cxl-fmw.0.interleave-granularity': '4096',
    'cxl-fmw.1.targets.0': 'cxl.1',
    'cxl-fmw.1.size': '4096M',
    'cxl-fmw.1.interleave-granularity': '256',
  });
});

test('B (switch2): the switch mailbox CCI is function 1 of the upstream port\'s slot, the upstream port multifunction', (t) => {
  const devices = values(qemuArgv(preset('switch2'), options), '-device');
  const up = devices.findIndex((d) => d.startsWith('cxl-upstream,'));
  t.is(devices[up], 'cxl-upstream,bus=rp0,id=us0,multifunction=on,addr=0.0');
  t.is(devices[up + 1], 'cxl-switch-mailbox-cci,bus=rp0,addr=0.1,target=us0,id=us0-cci');
  // Without mailboxCci (switch4) neither the CCI nor the multifunction flag appears.
  const plain = values(qemuArgv(preset('switch4'), options), '-device');
  t.false(plain.some((d) => d.startsWith('cxl-switch-mailbox-cci')));
  t.true(plain.includes('cxl-upstream,bus=rp0,id=us0'));
});

test('devices hang off their port: a switch device off its downstream port, a root port device off the root port', (t) => {
  const devices = values(qemuArgv(preset('switch2'), options), '-device');
  t.true(devices.includes('cxl-downstream,port=1,bus=us0,id=sw0p1,chassis=0,slot=5'));
  t.true(devices.some((d) => d.startsWith('cxl-type3,bus=sw0p1,') && d.includes(',sn=2')));
  const rp = values(qemuArgv(preset('rp2'), options), '-device');
  t.true(rp.includes('cxl-rp,port=1,bus=cxl.1,id=rp1,chassis=0,slot=3'));
  t.true(rp.some((d) => d.startsWith('cxl-type3,bus=rp1,') && d.includes(',sn=2')));
});

test('the QMP socket follows the network device; -incoming comes last', (t) => {
  const argv = qemuArgv(preset('default'), { ...options, qmpSocket: '/run/q.sock', incoming: '/saved/state' });
  t.deepEqual(argv.slice(COMMON.length, COMMON.length + 2), ['-qmp', 'unix:/run/q.sock,server=on,wait=off']);
  t.deepEqual(argv.slice(-2), ['-incoming', 'file:/saved/state']);
  t.false(qemuArgv(preset('default'), options).includes('-qmp'));
  t.false(qemuArgv(preset('default'), options).includes('-incoming'));
});

test('cpus and memory reach -smp and -m', (t) => {
  const topo = { ...preset('default'), cpus: 1, memory: { bootMiB: 512, maxMiB: 8192, slots: 8 } };
  const argv = qemuArgv(topo, options);
  t.is(argv[argv.indexOf('-smp') + 1], '1');
  t.is(argv[argv.indexOf('-m') + 1], '512M,maxmem=8192M,slots=8');
});

test('backingFiles names one file per role the device has, after its id', (t) => {
  t.deepEqual(backingFiles('/b', { id: 'x', serial: 1, volatileMiB: 256, persistentMiB: 0, lsaMiB: 0 }), { volatile: '/b/x.vmem.raw' });
  t.deepEqual(backingFiles('/b', { id: 'y', serial: 2, volatileMiB: 256, persistentMiB: 512, lsaMiB: 1 }), { volatile: '/b/y.vmem.raw', persistent: '/b/y.pmem.raw', lsa: '/b/y.lsa.raw' });
});
