// Binding on the cxl bus through predict(): driver-core refusals (§0), cxl_region's probe (§1.7) and what a release takes down.
import test, { type ExecutionContext } from 'ava';
import type { ModelState } from '../../../harness/model/state.ts';
import { ep } from './kernel-names.ts';
import { bind, blocks, booted, preset, refused, regionSteps, run, snap, step, unbind, under, write } from './world.ts';

// Binding on the cxl bus through predict(): the driver core's refusals (§0), cxl_region's probe (§1.7,
// topologies.md), and what a release takes down.

/** The default topology with region0 committed (not bound). */
function committed(t: ExecutionContext, name = 'default', facts = {}): ModelState {
  const { s, names } = booted(preset(name), {}, facts);
  return run(t, s, regionSteps({ ways: 1, granularity: 256, targets: [ep(names, 1)] }));
}

test('nothing probes a committed region by itself: it has no driver until bound (A2: no auto-probe)', (t) => {
  const s = committed(t);
  t.is(snap(s)['cxl/region0'], '-');
  t.false(Object.keys(snap(s)).some((k) => k.startsWith('dax/') || k.startsWith('cxl/dax_region')));
});

test('binding cxl_region: dax_region0 and dax0.0 appear, bound to kmem; the bind is asynchronous', (t) => {
  const o = step(committed(t), bind('cxl_region', 'region0'));
  t.is(o.errno, 'ok');
  t.true(o.async);
  t.like(snap(o.state), { 'cxl/region0': 'cxl_region', 'cxl/dax_region0': 'cxl_dax_region', 'dax/dax0.0': 'kmem', 'dax/dax0.0/size': '268435456', 'dax/dax0.0/target_node': '1' });
});

test('driver core refusals: no such driver ENOENT, no such device ENODEV, already bound EBUSY, not bound ENODEV', (t) => {
  const s = committed(t);
  refused(t, s, bind('cxl_no_such_driver', 'region0'), 'ENOENT', 'bind.no-driver');
  refused(t, s, bind('cxl_region', 'region99'), 'ENODEV', 'bind.no-match');
  refused(t, s, bind('cxl_region', 'decoder2.0'), 'ENODEV', 'bind.no-match');
  refused(t, s, unbind('cxl_region', 'region0'), 'ENODEV', 'unbind.not-bound');
  const b = run(t, s, [bind('cxl_region', 'region0')]);
  refused(t, b, bind('cxl_region', 'region0'), 'EBUSY', 'bind.already-bound');
});

test('an uncommitted region does not bind (ENXIO, "config state")', (t) => {
  const { s, names } = booted(preset('default'));
  const r = run(t, s, regionSteps({ ways: 1, granularity: 256, targets: [ep(names, 1)], commit: false }));
  refused(t, r, bind('cxl_region', 'region0'), 'ENXIO', 'region.probe.uncommitted');
});

test('a pmem region binds to pmem_region0 (cxl_pmem_region) and gets no dax device (D)', (t) => {
  const { s, names } = booted(preset('pmem'));
  const r = run(t, s, regionSteps({ mode: 'pmem', uuid: '6ba7b810-9dad-41d1-80b4-00c04fd430c8', ways: 1, granularity: 256, targets: [ep(names, 1)] }));
  const b = run(t, r, [bind('cxl_region', 'region0')]);
  t.like(snap(b), { 'cxl/region0': 'cxl_region', 'cxl/pmem_region0': 'cxl_pmem_region' });
  t.false(Object.keys(snap(b)).some((k) => k.startsWith('dax/')));
  t.false('cxl/pmem_region0' in snap(run(t, b, [unbind('cxl_region', 'region0')])));
});

test('unbinding cxl_region with offline blocks removes the dax chain and the memory', (t) => {
  const s = run(t, committed(t), [bind('cxl_region', 'region0'), unbind('cxl_region', 'region0')]);
  t.is(snap(s)['cxl/region0'], '-');
  t.false(Object.keys(snap(s)).some((k) => /^(dax\/|cxl\/dax_region|memory\/memory\d)/.test(k)));
  t.deepEqual(under(s, 'iomem/CXL Window 0/'), { region0: '2d0000000-2dfffffff' });
  refused(t, s, bind('cxl_region', 'region0'), 'ok');
});

test('unbinding cxl_region with online blocks succeeds; kmem cannot remove them, so they stay (leaked until reboot)', (t) => {
  const s = run(t, committed(t), [bind('cxl_region', 'region0'), blocks('region0', 'online_movable'), unbind('cxl_region', 'region0')]);
  t.like(snap(s), { 'cxl/region0': '-', 'memory/memory90/state': 'online', 'memory/memory91/state': 'online' });
  t.false('dax/dax0.0' in snap(s));
  t.is(snap(s)['iomem/CXL Window 0/region0/dax0.0/System RAM (kmem)'], '2d0000000-2dfffffff');
  // Busy System RAM in the range: the next bind succeeds without a dax_region (§1.7 step 2).
  const again = step(s, bind('cxl_region', 'region0'));
  t.is(again.errno, 'ok');
  t.is(again.fact, 'region.probe.system-ram-busy');
  t.false('cxl/dax_region0' in snap(again.state));
});

test('delete_region of a bound, committed region with offline blocks tears everything down (the code checks nothing)', (t) => {
  const s = run(t, committed(t), [bind('cxl_region', 'region0')]);
  const o = step(s, write('decoder0.0/delete_region', 'region0'));
  t.is(o.errno, 'ok');
  t.is(o.fact, 'delete.not-idle');
  t.false(Object.keys(snap(o.state)).some((k) => /^(cxl\/region0|cxl\/dax_region0|dax\/|memory\/memory\d)/.test(k)));
  t.is(snap(o.state)['cxl/decoder2.0/region'], '');
  t.is(snap(o.state)['cxl/decoder2.0/dpa_size'], '0x0000000010000000', 'DPA stays allocated');
});
