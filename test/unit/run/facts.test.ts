// parseFacts on the literal output of FACTS_COMMAND as the observed guest prints it, and on a boot snapshot.
import { readFile } from 'node:fs/promises';
import test from 'ava';
import { parseSnapshot } from '../../../harness/model/render.ts';
import { FACTS_COMMAND, parseFacts } from '../../../harness/run/facts.ts';

// uname -r; /proc/cmdline; block_size_bytes (§3: hex without 0x, 8000000 = 128 MiB); `echo $(ls …/drivers)` for the cxl
// and dax buses (ground-truth.md lists the cxl drivers after the module loads); grep -c of the hypervisor flag over two
// vCPUs with -cpu max,-hypervisor; auto_online_blocks as booted.
const observed = [
  '7.2.13+deb14-amd64',
  'console=ttyS0 panic=-1 memhp_default_state=offline',
  '8000000',
  'cxl_dax_region cxl_mem cxl_nvdimm cxl_nvdimm_bridge cxl_pmem_region cxl_port cxl_region',
  'device_dax kmem',
  '0',
  'offline',
  '',
].join('\n');

const bootSnapshot = parseSnapshot(
  [
    'cxl/decoder0.0/create_ram_region\tregion0',
    'cxl/decoder0.0/size\t0x100000000',
    'cxl/decoder0.0/start\t0x2d0000000',
    'cxl/decoder2.0/dpa_size\t0x0000000000000000',
    'cxl/decoder2.0/mode\tnone',
    'memory/auto_online_blocks\toffline',
    '',
  ].join('\n'),
);

test('the observed guest: release, command line, 128 MiB blocks, window start 0x2d0000000', (t) => {
  const f = parseFacts(observed, bootSnapshot);
  t.is(f.release, '7.2.13+deb14-amd64');
  t.is(f.cmdline, 'console=ttyS0 panic=-1 memhp_default_state=offline');
  t.is(f.blockSizeBytes, 128n << 20n);
  t.deepEqual(f.windowStarts, { 'decoder0.0': 0x2d0000000n });
});

test('driver lists, the hypervisor flag and the booted auto_online_blocks', (t) => {
  const f = parseFacts(observed, bootSnapshot);
  t.deepEqual(f.cxlDrivers, ['cxl_dax_region', 'cxl_mem', 'cxl_nvdimm', 'cxl_nvdimm_bridge', 'cxl_pmem_region', 'cxl_port', 'cxl_region']);
  t.deepEqual(f.daxDrivers, ['device_dax', 'kmem']);
  t.false(f.hypervisorVisible);
  t.is(f.builtInOnlineType, 'offline');
});

test('the hypervisor bit seen on any CPU counts (default QEMU CPU model, §5.1)', (t) => {
  const lines = observed.split('\n');
  lines[5] = '2';
  t.true(parseFacts(lines.join('\n'), bootSnapshot).hypervisorVisible);
});

test('no dax bus: an empty driver line gives no dax drivers', (t) => {
  const lines = observed.split('\n');
  lines[4] = '';
  t.deepEqual(parseFacts(lines.join('\n'), bootSnapshot).daxDrivers, []);
});

test('window starts come only from root decoders, one per window', (t) => {
  const snapshot = {
    ...bootSnapshot,
    'cxl/decoder0.1/start': '0x3d0000000',
    'cxl/decoder0.1/size': '0x20000000',
    'cxl/region0/resource': '0x2d0000000',
    'cxl/decoder2.0/dpa_size': '0x0000000010000000',
  };
  t.deepEqual(parseFacts(observed, snapshot).windowStarts, { 'decoder0.0': 0x2d0000000n, 'decoder0.1': 0x3d0000000n });
});

test('the saved bound snapshot fixture yields the same window start as the boot snapshot', async (t) => {
  const snap = parseSnapshot(await readFile(new URL('../../fixtures/snapshots/stock-bound-offline.txt', import.meta.url), 'utf8'));
  t.deepEqual(parseFacts(observed, snap).windowStarts, { 'decoder0.0': 0x2d0000000n });
});

test('a larger block size (2 GiB blocks on big-RAM hosts, §5.2) is read as hex', (t) => {
  const lines = observed.split('\n');
  lines[2] = '80000000';
  t.is(parseFacts(lines.join('\n'), bootSnapshot).blockSizeBytes, 2n << 30n);
});

test('FACTS_COMMAND reads the sources the facts come from', (t) => {
  for (const s of ['uname -r', '/proc/cmdline', '/sys/devices/system/memory/block_size_bytes', '/sys/bus/cxl/drivers', '/sys/bus/dax/drivers', 'hypervisor', 'auto_online_blocks']) {
    t.true(FACTS_COMMAND.includes(s), s);
  }
});
