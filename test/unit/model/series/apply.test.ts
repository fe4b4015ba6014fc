// The explicit-dax series through predict(): two-stage sysram bind, devdax, cross binds and teardown (cxl-sysfs-model.md §4.4–4.7).
import test, { type ExecutionContext } from 'ava';
import type { ModelState } from '../../../../harness/model/state.ts';
import { ep } from '../kernel-names.ts';
import { bind, blocks, booted, preset, refused, regionSteps, run, SERIES_CXL, snap, STOCK_CXL, step, unbind, write } from '../world.ts';

// The explicit DAX series (scenarios/series/explicit-dax) through predict() with the series active: the two-stage
// sysram bind of cxl-sysfs-model.md §4.5–4.6, cxl_devdax_region (§4.4), cross binds and teardown (§4.7).

const SERIES = { series: ['explicit-dax'], cxlDrivers: [...STOCK_CXL, ...SERIES_CXL] };
const OT = 'sysram_region0/online_type';

function region(t: ExecutionContext, opts: { commit?: boolean; cmdline?: string; topology?: string; mode?: 'ram' | 'pmem' } = {}): ModelState {
  const { s, names } = booted(preset(opts.topology ?? 'default'), {}, { ...SERIES, ...(opts.cmdline ? { cmdline: opts.cmdline } : {}) });
  const pmem = opts.mode === 'pmem' ? { mode: 'pmem' as const, uuid: '6ba7b810-9dad-41d1-80b4-00c04fd430c8' } : {};
  return run(t, s, regionSteps({ ways: 1, granularity: 256, targets: [ep(names, 1)], commit: opts.commit ?? true, ...pmem }));
}
const sysram = (t: ExecutionContext, opts = {}) => run(t, region(t, opts), [bind('cxl_sysram_region', 'region0')]);

test('binding cxl_sysram_region creates sysram_region0, online_type "invalid", unbound, nothing below it', (t) => {
  const o = step(region(t), bind('cxl_sysram_region', 'region0'));
  t.is(o.errno, 'ok');
  t.is(o.fact, 'explicit-dax.sysram.device');
  t.like(snap(o.state), { 'cxl/region0': 'cxl_sysram_region', 'cxl/sysram_region0': '-', [`cxl/${OT}`]: 'invalid' });
  t.false(Object.keys(snap(o.state)).some((k) => k.startsWith('dax/') || k.startsWith('cxl/dax_region')));
  t.is(step(o.state, { kind: 'read', path: `/sys/bus/cxl/devices/${OT}` }).value, 'invalid');
});

test('cxl_dax_kmem_region refuses sysram_region0 while online_type is invalid: ENODEV', (t) => {
  refused(t, sysram(t), bind('cxl_dax_kmem_region', 'sysram_region0'), 'ENODEV', 'explicit-dax.dax-kmem.unconfigured');
});

test('online_type takes offline, online, online_movable; online_kernel, invalid and anything else EINVAL', (t) => {
  const s = sysram(t);
  refused(t, s, write(OT, 'online_kernel'), 'EINVAL', 'explicit-dax.online_type.refused');
  refused(t, s, write(OT, 'invalid'), 'EINVAL', 'explicit-dax.online_type.invalid');
  refused(t, s, write(OT, 'bogus'), 'EINVAL');
  for (const v of ['offline', 'online', 'online_movable']) t.is(snap(run(t, s, [write(OT, v)]))[`cxl/${OT}`], v);
});

test('online_movable, then the bind: dax_region0 below sysram_region0, dax0.0 on kmem, blocks online in Movable', (t) => {
  const o = step(run(t, sysram(t), [write(OT, 'online_movable')]), bind('cxl_dax_kmem_region', 'sysram_region0'));
  t.is(o.errno, 'ok');
  t.is(o.fact, 'explicit-dax.dax-kmem.dax-region');
  t.like(snap(o.state), {
    'cxl/sysram_region0': 'cxl_dax_kmem_region',
    'cxl/dax_region0': 'cxl_dax_region',
    'dax/dax0.0': 'kmem',
    'memory/memory90/state': 'online',
    'memory/memory90/valid_zones': 'Movable',
    'memory/memory91/state': 'online',
  });
});

test('the online type is the device\'s, whatever the global policy: offline under memhp_default_state=online_movable', (t) => {
  const s = run(t, sysram(t, { cmdline: 'console=ttyS0 memhp_default_state=online_movable' }), [write(OT, 'offline'), bind('cxl_dax_kmem_region', 'sysram_region0')]);
  t.is(snap(s)['memory/auto_online_blocks'], 'online_movable');
  t.like(snap(s), { 'memory/memory90/state': 'offline', 'memory/memory91/state': 'offline' });
});

test('online_type online: blocks online in Normal (a fresh node, contig-zones)', (t) => {
  const s = run(t, sysram(t), [write(OT, 'online'), bind('cxl_dax_kmem_region', 'sysram_region0')]);
  t.like(snap(s), { 'memory/memory90/valid_zones': 'Normal', 'memory/memory91/valid_zones': 'Normal' });
});

test('cross binds: a region to cxl_dax_kmem_region, sysram_region0 to cxl_region ENODEV; a bound region EBUSY', (t) => {
  refused(t, region(t), bind('cxl_dax_kmem_region', 'region0'), 'ENODEV', 'bind.no-match');
  const s = sysram(t);
  refused(t, s, bind('cxl_region', 'sysram_region0'), 'ENODEV', 'bind.no-match');
  refused(t, s, bind('cxl_region', 'region0'), 'EBUSY', 'bind.already-bound');
  refused(t, s, bind('cxl_devdax_region', 'region0'), 'EBUSY');
  refused(t, s, bind('cxl_sysram_region', 'region0'), 'EBUSY');
});

test('an uncommitted region: cxl_sysram_region and cxl_devdax_region ENXIO', (t) => {
  const s = region(t, { commit: false });
  refused(t, s, bind('cxl_sysram_region', 'region0'), 'ENXIO', 'explicit-dax.sysram.uncommitted');
  refused(t, s, bind('cxl_devdax_region', 'region0'), 'ENXIO', 'explicit-dax.devdax.uncommitted');
});

test('a pmem region: cxl_sysram_region and cxl_devdax_region ENODEV', (t) => {
  const s = region(t, { topology: 'pmem', mode: 'pmem' });
  refused(t, s, bind('cxl_sysram_region', 'region0'), 'ENODEV', 'explicit-dax.sysram.not-ram');
  refused(t, s, bind('cxl_devdax_region', 'region0'), 'ENODEV', 'explicit-dax.devdax.not-ram');
});

test('binding a sysram device twice EBUSY', (t) => {
  const s = run(t, sysram(t), [write(OT, 'offline'), bind('cxl_dax_kmem_region', 'sysram_region0')]);
  refused(t, s, bind('cxl_dax_kmem_region', 'sysram_region0'), 'EBUSY', 'bind.already-bound');
});

test('cxl_devdax_region: dax0.0 binds device_dax, no memory is added; kmem does not match it (ENODEV)', (t) => {
  const s = run(t, region(t), [bind('cxl_devdax_region', 'region0')]);
  t.like(snap(s), { 'cxl/region0': 'cxl_devdax_region', 'cxl/dax_region0': 'cxl_dax_region', 'dax/dax0.0': 'device_dax', 'dax/dax0.0/size': '268435456' });
  t.false(Object.keys(snap(s)).some((k) => k.startsWith('memory/memory')));
  refused(t, s, bind('kmem', 'dax0.0', 'dax'), 'ENODEV', 'bind.no-match');
  const u = run(t, s, [unbind('cxl_devdax_region', 'region0')]);
  t.false(Object.keys(snap(u)).some((k) => k.startsWith('dax/')));
  t.is(snap(u)['cxl/region0'], '-');
});

test('teardown: unbinding cxl_dax_kmem_region keeps sysram_region0 and its online_type; rebinding adds the memory again', (t) => {
  const s = run(t, sysram(t), [write(OT, 'online_movable'), bind('cxl_dax_kmem_region', 'sysram_region0'), blocks('region0', 'offline'), unbind('cxl_dax_kmem_region', 'sysram_region0')]);
  t.like(snap(s), { 'cxl/sysram_region0': '-', [`cxl/${OT}`]: 'online_movable' });
  t.false(Object.keys(snap(s)).some((k) => k.startsWith('dax/') || k.startsWith('memory/memory')));
  const again = run(t, s, [bind('cxl_dax_kmem_region', 'sysram_region0')]);
  t.like(snap(again), { 'dax/dax0.0': 'kmem', 'memory/memory90/state': 'online' });
});

test('teardown: unbinding cxl_sysram_region takes sysram_region0 and everything below; the region binds again', (t) => {
  const s = run(t, sysram(t), [write(OT, 'offline'), bind('cxl_dax_kmem_region', 'sysram_region0'), unbind('cxl_sysram_region', 'region0')]);
  t.false(Object.keys(snap(s)).some((k) => k.startsWith('cxl/sysram_region0') || k.startsWith('dax/') || k.startsWith('memory/memory')));
  t.is(snap(s)['cxl/region0'], '-');
  refused(t, s, bind('cxl_region', 'region0'), 'ok');
});

test('without the series in the state its drivers have no bind file (ENOENT)', (t) => {
  const { s, names } = booted(preset('default'));
  const r = run(t, s, regionSteps({ ways: 1, granularity: 256, targets: [ep(names, 1)] }));
  refused(t, r, bind('cxl_sysram_region', 'region0'), 'ENOENT', 'bind.no-driver');
});

test('the stock cxl_region bind still makes a KMEM dax_region beside the series (§4.8)', (t) => {
  const s = run(t, region(t), [bind('cxl_region', 'region0')]);
  t.like(snap(s), { 'cxl/region0': 'cxl_region', 'dax/dax0.0': 'kmem', 'memory/memory90/state': 'offline' });
});
