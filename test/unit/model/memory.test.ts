// Memory blocks through predict(): hot-add per online policy, state writes and zones (cxl-sysfs-model.md §3, topologies.md).
import test, { type ExecutionContext } from 'ava';
import type { ModelState } from '../../../harness/model/state.ts';
import { ep } from './kernel-names.ts';
import { bind, blocks, booted, MEMORY, preset, refused, regionSteps, run, snap, write } from './world.ts';

// Memory blocks through predict(): what kmem hot-adds per online policy, state writes and zones (cxl-sysfs-model.md
// §3; topologies.md: blocks memory90.. offline with valid_zones "Normal Movable", online_movable accepted).

function bound(t: ExecutionContext, opts: { topology?: string; cmdline?: string; before?: ReturnType<typeof write>[]; ways?: number } = {}): ModelState {
  const topo = preset(opts.topology ?? 'default');
  const { s, names } = booted(topo, {}, opts.cmdline ? { cmdline: opts.cmdline } : {});
  const serials = names.devices.map((d) => d.serial);
  const ways = opts.ways ?? 1;
  return run(t, s, [...(opts.before ?? []), ...regionSteps({ ways, granularity: 256, targets: serials.slice(0, ways).map((sn) => ep(names, sn)) }), bind('cxl_region', 'region0')]);
}
const state = (s: ModelState, id: number) => [snap(s)[`memory/memory${id}/state`], snap(s)[`memory/memory${id}/valid_zones`]];

test('offline policy: two 128 MiB blocks, memory90 and memory91, offline with valid_zones "Normal Movable"; node1 has 0 kB', (t) => {
  const s = bound(t);
  t.deepEqual(state(s, 90), ['offline', 'Normal Movable']);
  t.deepEqual(state(s, 91), ['offline', 'Normal Movable']);
  t.false('memory/memory92/state' in snap(s));
  t.is(snap(s)['node/node1/MemTotal'], '0');
});

test('online_movable: blocks online in Movable, node1 grows by 256 MiB (262144 kB); again EINVAL (same state)', (t) => {
  const s = run(t, bound(t), [blocks('region0', 'online_movable')]);
  t.deepEqual(state(s, 90), ['online', 'Movable']);
  t.deepEqual(state(s, 91), ['online', 'Movable']);
  t.is(snap(s)['node/node1/MemTotal'], '262144');
  refused(t, s, blocks('region0', 'online_movable'), 'EINVAL', 'memory.state.same');
  refused(t, s, write(`${MEMORY}memory90/state`, 'online'), 'EINVAL', 'memory.state.same');
  const off = run(t, s, [blocks('region0', 'offline')]);
  t.deepEqual(state(off, 90), ['offline', 'Normal Movable']);
  refused(t, off, blocks('region0', 'offline'), 'EINVAL', 'memory.state.same');
});

test('memoryN/state takes the four words only (EINVAL); a block that does not exist ENOENT', (t) => {
  const s = bound(t);
  refused(t, s, blocks('region0', 'sideways'), 'EINVAL', 'memory.state.value');
  refused(t, s, write(`${MEMORY}memory90/state`, 'movable'), 'EINVAL', 'memory.state.value');
  refused(t, s, write(`${MEMORY}memory12/state`, 'online'), 'ENOENT');
});

test('online on a fresh node picks Normal; online_kernel Normal; with movable_node, online picks Movable', (t) => {
  t.deepEqual(state(run(t, bound(t), [write(`${MEMORY}memory90/state`, 'online')]), 90), ['online', 'Normal']);
  t.deepEqual(state(run(t, bound(t), [write(`${MEMORY}memory90/state`, 'online_kernel')]), 90), ['online', 'Normal']);
  const mn = bound(t, { cmdline: 'console=ttyS0 memhp_default_state=offline movable_node' });
  t.deepEqual(state(mn, 90), ['offline', 'Movable Normal']);
  t.deepEqual(state(run(t, mn, [write(`${MEMORY}memory90/state`, 'online')]), 90), ['online', 'Movable']);
});

test('memhp_default_state=online_movable: kmem adds the blocks online in Movable', (t) => {
  const s = bound(t, { cmdline: 'console=ttyS0 panic=-1 loglevel=5 memhp_default_state=offline memhp_default_state=online_movable' });
  t.is(snap(s)['memory/auto_online_blocks'], 'online_movable');
  t.deepEqual(state(s, 90), ['online', 'Movable']);
  t.deepEqual(state(s, 91), ['online', 'Movable']);
});

test('auto_online_blocks written at run time applies to memory added later (online → Normal on the fresh node)', (t) => {
  const s = bound(t, { before: [write(`${MEMORY}auto_online_blocks`, 'online')] });
  t.is(snap(s)['memory/auto_online_blocks'], 'online');
  t.deepEqual(state(s, 90), ['online', 'Normal']);
  const k = bound(t, { before: [write(`${MEMORY}auto_online_blocks`, 'online_kernel')] });
  t.deepEqual(state(k, 91), ['online', 'Normal']);
  refused(t, bound(t), write(`${MEMORY}auto_online_blocks`, 'sometimes'), 'EINVAL', 'memory.auto-online.value');
});

test('E: a 1 GiB region gives memory90 to memory97', (t) => {
  const s = bound(t, { topology: 'switch4', ways: 4 });
  const ids = Object.keys(snap(s)).flatMap((k) => /^memory\/memory(\d+)\/state$/.exec(k)?.[1] ?? []).map(Number).sort((a, b) => a - b);
  t.deepEqual(ids, [90, 91, 92, 93, 94, 95, 96, 97]);
});
