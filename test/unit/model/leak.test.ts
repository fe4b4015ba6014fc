// Releasing the region driver while a memory block is online: kmem cannot remove the memory, the release still
// succeeds, and the blocks stay until reboot (cxl-sysfs-model.md §2, §4.7, §5.4). What the documents say follows.
import test, { type ExecutionContext } from 'ava';
import { predict } from '../../../harness/model/predict.ts';
import { render } from '../../../harness/model/render.ts';
import type { ModelState } from '../../../harness/model/state.ts';
import { apply, bind, blocks, boot, keysUnder, stockSetup, SZ_256M, unbind, write } from './stock.ts';

/** Stock path with memhp_default_state=online_movable: bound, both blocks online in Movable (observed). */
const onlineBound = (t: ExecutionContext): ModelState => apply(t, boot('online_movable'), [...stockSetup, bind('region0')]);

const remaining = (s: Record<string, string>) => Object.fromEntries(Object.entries(s).filter(([k]) => /^memory\/memory\d+\/state$|^node\//.test(k)));

for (const [name, release] of [
  ['unbind from cxl_region', unbind('region0')],
  ['0 > commit', write('region0/commit', 0)],
  ['delete_region', write('decoder0.0/delete_region', 'region0')],
] as const) {
  test(`${name} with blocks online succeeds; the dax chain goes, the blocks stay online (§2 "unbind still succeeds, memory stays online")`, (t) => {
    const p = predict(onlineBound(t), release);
    t.deepEqual(p.result, ['ok']);
    const s = render(p.state);
    t.deepEqual(keysUnder(s, 'cxl/dax_region0'), []);
    t.deepEqual(keysUnder(s, 'dax/dax0.0'), []);
    t.deepEqual(remaining(s), {
      'memory/memory90/state': 'online',
      'memory/memory91/state': 'online',
      'node/node1/MemTotal': '262144',
    });
  });
}

test('leaked blocks can be offlined afterwards, and stay (removal is not retried: "cannot be hotremoved until the next reboot")', (t) => {
  const s = render(apply(t, onlineBound(t), [unbind('region0'), blocks('region0', 'offline')]));
  t.is(s['memory/memory90/state'], 'offline');
  t.is(s['memory/memory91/state'], 'offline');
  t.is(s['node/node1/MemTotal'], '0');
});

test('with every block offline the release removes the memory and the node (observed: commit 0 after offlining)', (t) => {
  const s = render(apply(t, onlineBound(t), [blocks('region0', 'offline'), unbind('region0')]));
  t.deepEqual(remaining(s), {});
});

// BUG (harness/model/dax.ts removeDax drops the dax entry, and with it `memoryHeld`, even when kmem's removal failed):
// §2 says the "daxN.Y / System RAM (kmem) resources leak until reboot" when blocks were online, and §5.4 that
// "Deleting/decommitting while blocks are online leaves 'System RAM (kmem)' in the window". The model's /proc/iomem
// rendering loses both entries at the release.
test('after a release with online blocks, /proc/iomem still holds dax0.0 and System RAM (kmem) (§2, §5.4)', (t) => {
  const s = render(apply(t, onlineBound(t), [unbind('region0')]));
  t.is(s['iomem/CXL Window 0/region0/dax0.0'], '2d0000000-2dfffffff');
  t.is(s['iomem/CXL Window 0/region0/dax0.0/System RAM (kmem)'], '2d0000000-2dfffffff');
});

// BUG (harness/model/region.ts bindRegion → dax.ts addDax, which hot-adds unconditionally): §1.7.2 "if any busy
// 'System RAM' already lies in the range → bind succeeds but no dax_region is created". The leaked range is still busy
// System RAM (kmem), so rebinding region0 must create no dax_region0; the model creates one and hot-adds memory90/91 a
// second time (two more blocks inside the model, MemTotal doubled while the snapshot shows two blocks).
test('rebinding a region whose memory leaked: bind ok, but no dax_region and no second hot-add (§1.7.2)', (t) => {
  const p = predict(apply(t, onlineBound(t), [unbind('region0')]), bind('region0'));
  t.deepEqual(p.result, ['ok']);
  const s = render(p.state);
  t.is(s['cxl/region0'], 'cxl_region');
  t.deepEqual(keysUnder(s, 'cxl/dax_region0'), []);
  t.deepEqual(keysUnder(s, 'dax/dax0.0'), []);
  t.is(s['node/node1/MemTotal'], '262144');
});

test('rebinding after a leak never counts the leaked blocks twice: MemTotal = online blocks × 131072 (§3)', (t) => {
  const s = render(apply(t, onlineBound(t), [unbind('region0'), bind('region0')]));
  const online = Object.entries(s).filter(([k, v]) => /^memory\/memory\d+\/state$/.test(k) && v === 'online').length;
  t.is(s['node/node1/MemTotal'], String(online * 131072));
});

// BUG (harness/model/region.ts writeSize looks only at other regions' resources): §5.4 (INFERRED from
// get_free_mem_region) "a re-created region is placed elsewhere or fails ERANGE" while the leaked System RAM (kmem)
// occupies the old range. The model hands the same range 0x2d0000000 out again.
test('a region re-created after a leaking delete is not placed over the leaked range (§5.4, INFERRED)', (t) => {
  const s0 = apply(t, onlineBound(t), [write('decoder0.0/delete_region', 'region0')]);
  const s1 = apply(t, s0, [write('decoder0.0/create_ram_region', 'region0'), write('region0/interleave_granularity', 256), write('region0/interleave_ways', 1)]);
  const p = predict(s1, write('region0/size', SZ_256M));
  t.true(p.result?.[0] === 'ok' || p.result?.[0] === 'ERANGE', String(p.result));
  if (p.result?.[0] === 'ok') t.true(BigInt(render(p.state)['cxl/region0/resource']!) >= 0x2e0000000n, render(p.state)['cxl/region0/resource']);
});
