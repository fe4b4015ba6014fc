// The dax bus through predict(): kmem by type, the daxctl-style switch to device_dax, kmem unbind with online blocks (§2).
import test, { type ExecutionContext } from 'ava';
import type { ModelState } from '../../../harness/model/state.ts';
import { ep } from './kernel-names.ts';
import { bind, blocks, booted, preset, refused, regionSteps, run, snap, step, unbind, write } from './world.ts';

// The dax bus through predict(): kmem by type for KMEM-flagged devices, the daxctl-style switch to device_dax
// (remove_id/unbind, new_id), and kmem's unbind with online blocks (cxl-sysfs-model.md §2).

const DAX = '/sys/bus/dax/drivers/';

function bound(t: ExecutionContext, cmdline?: string): ModelState {
  const { s, names } = booted(preset('default'), {}, cmdline ? { cmdline } : {});
  return run(t, s, [...regionSteps({ ways: 1, granularity: 256, targets: [ep(names, 1)] }), bind('cxl_region', 'region0')]);
}

test('device_dax does not match a KMEM-flagged dax device by type (ENODEV)', (t) => {
  refused(t, bound(t), bind('device_dax', 'dax0.0', 'dax'), 'ENODEV', 'bind.no-match');
});

test('kmem unbind with offline blocks removes the memory; new_id then attaches device_dax', (t) => {
  const s = run(t, bound(t), [unbind('kmem', 'dax0.0', 'dax')]);
  t.like(snap(s), { 'dax/dax0.0': '-' });
  t.false(Object.keys(snap(s)).some((k) => k.startsWith('memory/memory')));
  t.false('iomem/CXL Window 0/region0/dax0.0' in snap(s), 'no driver holds the range');
  const o = step(s, write(`${DAX}device_dax/new_id`, 'dax0.0'));
  t.is(o.errno, 'ok');
  t.is(snap(o.state)['dax/dax0.0'], 'device_dax');
  t.is(snap(o.state)['iomem/CXL Window 0/region0/dax0.0'], '2d0000000-2dfffffff');
});

test('back to kmem: unbind device_dax, remove_id, bind kmem; blocks come back per the policy', (t) => {
  const s = run(t, bound(t), [unbind('kmem', 'dax0.0', 'dax'), write(`${DAX}device_dax/new_id`, 'dax0.0'), unbind('device_dax', 'dax0.0', 'dax'), write(`${DAX}device_dax/remove_id`, 'dax0.0')]);
  refused(t, s, bind('device_dax', 'dax0.0', 'dax'), 'ENODEV', 'bind.no-match');
  const k = run(t, s, [bind('kmem', 'dax0.0', 'dax')]);
  t.like(snap(k), { 'dax/dax0.0': 'kmem', 'memory/memory90/state': 'offline', 'memory/memory91/state': 'offline' });
});

test('new_id and remove_id take exactly daxN.Y (EINVAL otherwise); a driver the kernel lacks has no files', (t) => {
  const s = bound(t);
  refused(t, s, write(`${DAX}device_dax/new_id`, 'dax0'), 'EINVAL', 'dax.id.format');
  refused(t, s, write(`${DAX}device_dax/remove_id`, 'dax0.0.0'), 'EINVAL', 'dax.id.format');
  refused(t, s, write(`${DAX}fsdev_dax/new_id`, 'dax0.0'), 'ENOENT');
});

test('kmem unbind with online blocks succeeds but leaves the memory online and reserved; device_dax then EBUSY', (t) => {
  const s = run(t, bound(t), [blocks('region0', 'online_movable'), unbind('kmem', 'dax0.0', 'dax')]);
  t.like(snap(s), {
    'dax/dax0.0': '-',
    'memory/memory90/state': 'online',
    'memory/memory91/state': 'online',
    'iomem/CXL Window 0/region0/dax0.0/System RAM (kmem)': '2d0000000-2dfffffff',
  });
  // INFERRED in §2: the leaked range collides with device_dax's reservation.
  const o = step(s, write(`${DAX}device_dax/new_id`, 'dax0.0'));
  t.is(snap(o.state)['dax/dax0.0'], '-', 'new_id is accepted but the probe fails');
  refused(t, run(t, s, [write(`${DAX}device_dax/new_id`, 'dax0.0')]), bind('device_dax', 'dax0.0', 'dax'), 'EBUSY', 'dax.bind.range-busy');
  refused(t, s, bind('kmem', 'dax0.0', 'dax'), 'EBUSY', 'dax.bind.range-busy');
});

test('unbind of a driver the device is not bound to ENODEV', (t) => {
  refused(t, bound(t), unbind('device_dax', 'dax0.0', 'dax'), 'ENODEV', 'unbind.not-bound');
  refused(t, bound(t), unbind('kmem', 'dax9.0', 'dax'), 'ENODEV', 'unbind.not-bound');
});
