// parseCapabilities on capabilitiesCommand()'s output as a guest prints it; series detection; unmet requirements.
import test from 'ava';
import { capabilitiesCommand, parseCapabilities, reportCapabilities, unmet } from '../../../harness/run/capabilities.ts';

const STOCK = 'cxl_dax_region cxl_mem cxl_nvdimm cxl_nvdimm_bridge cxl_pmem_region cxl_port cxl_region';
const WINDOWS = { 'decoder0.0': 0x2d0000000n };
/** One line per command: uname -r, /proc/cmdline, block_size_bytes (hex, no 0x), cxl drivers, dax drivers, hypervisor flag count, auto_online_blocks; then kallsyms lines. */
const output = (over: Partial<Record<'release' | 'cmdline' | 'bs' | 'cxl' | 'dax' | 'hv' | 'online' | 'syms', string>> = {}) =>
  [
    over.release ?? '7.2.13+deb14-amd64',
    over.cmdline ?? 'console=ttyS0 panic=-1 loglevel=5 memhp_default_state=offline cxl_harness.key=AAAA',
    over.bs ?? '8000000',
    over.cxl ?? STOCK,
    over.dax ?? 'device_dax kmem',
    over.hv ?? '0',
    over.online ?? 'offline',
    over.syms ?? '',
  ].join('\n') + '\n';

test('the command prints one line per fact, in the order parseCapabilities reads them', (t) => {
  const parts = capabilitiesCommand().split('; ');
  t.is(parts.length, 8);
  t.deepEqual(parts.slice(0, 7), [
    'uname -r',
    'cat /proc/cmdline',
    'cat /sys/devices/system/memory/block_size_bytes',
    'echo $(ls /sys/bus/cxl/drivers)',
    'echo $(ls /sys/bus/dax/drivers 2>/dev/null)',
    "grep -c '^flags.* hypervisor' /proc/cpuinfo",
    'cat /sys/devices/system/memory/auto_online_blocks',
  ]);
  t.is(parts[7], "grep -F -e ' dev_dax_kmem_groups' /proc/kallsyms || true");
});

test('a stock guest (Debian 7.2.13, -cpu max,-hypervisor, 128 MiB blocks)', (t) => {
  t.deepEqual(parseCapabilities(output(), WINDOWS), {
    release: '7.2.13+deb14-amd64',
    cmdline: 'console=ttyS0 panic=-1 loglevel=5 memhp_default_state=offline cxl_harness.key=AAAA',
    blockSizeBytes: 134217728n,
    windowStarts: WINDOWS,
    cxlDrivers: STOCK.split(' '),
    daxDrivers: ['device_dax', 'kmem'],
    symbols: [],
    series: [],
    hypervisorVisible: false,
    builtInOnlineType: 'offline',
  });
});

test('a kernel with every explicit-dax driver carries the series; with two of three it does not', (t) => {
  const all = parseCapabilities(output({ cxl: `${STOCK} cxl_dax_kmem_region cxl_devdax_region cxl_sysram_region` }), WINDOWS);
  t.deepEqual(all.series, ['explicit-dax']);
  const some = parseCapabilities(output({ cxl: `${STOCK} cxl_devdax_region cxl_sysram_region` }), WINDOWS);
  t.deepEqual(some.series, []);
});

test('the hypervisor flag counted on any CPU makes it visible; 2 GiB blocks; no dax drivers; other defaults', (t) => {
  const c = parseCapabilities(output({ hv: '2', bs: '80000000', dax: '', online: 'online_movable' }), WINDOWS);
  t.true(c.hypervisorVisible);
  t.is(c.blockSizeBytes, 2n << 30n);
  t.deepEqual(c.daxDrivers, []);
  t.is(c.builtInOnlineType, 'online_movable');
});

test('kallsyms lines: only an exact series symbol counts, in a module or built in', (t) => {
  const line = (name: string, mod = '') => `ffffffffc0a1b0e0 d ${name}${mod ? `\t[${mod}]` : ''}`;
  const withKmemState = parseCapabilities(output({ syms: [line('dev_dax_kmem_groups', 'kmem'), line('dev_dax_kmem_groups_extra', 'kmem')].join('\n') }), WINDOWS);
  t.deepEqual(withKmemState.symbols, ['dev_dax_kmem_groups']);
  t.deepEqual(withKmemState.series, ['kmem-state']);
  t.deepEqual(parseCapabilities(output({ syms: line('dev_dax_kmem_groups') }), WINDOWS).symbols, ['dev_dax_kmem_groups']);
  const near = parseCapabilities(output({ syms: [line('dev_dax_kmem_groups_extra', 'kmem'), line('xdev_dax_kmem_groups')].join('\n') }), WINDOWS);
  t.deepEqual([near.symbols, near.series], [[], []]);
});

test('unmet: the required drivers neither bus has', (t) => {
  const c = parseCapabilities(output(), WINDOWS);
  t.deepEqual(unmet(['cxl_region', 'kmem'], c), []);
  t.deepEqual(unmet(['cxl_sysram_region', 'kmem', 'fsdev_dax'], c), ['cxl_sysram_region', 'fsdev_dax']);
});

test('reportCapabilities: block size in hex, series as attributes', (t) => {
  const c = parseCapabilities(output({ cxl: `${STOCK} cxl_dax_kmem_region cxl_devdax_region cxl_sysram_region`, hv: '1' }), WINDOWS);
  t.deepEqual(reportCapabilities(c), {
    release: '7.2.13+deb14-amd64',
    cxlDrivers: c.cxlDrivers,
    daxDrivers: ['device_dax', 'kmem'],
    attributes: ['explicit-dax'],
    blockSizeBytes: '0x8000000',
    hypervisorVisible: true,
  });
});
