// predict() at the sysfs level (missing files, read-only, reads, polls, gaps) and whole stock scenarios on the model.
import test from 'ava';
import { predict, snapshotKey } from '../../../harness/model/predict.ts';
import { parseScenarioFile } from '../../../harness/scenario/load.ts';
import { projectPath } from '../../../harness/common/project.ts';
import { ep } from './kernel-names.ts';
import { bind, booted, CXL, dryRun, preset, read, refused, regionSteps, run, snap, step, write } from './world.ts';

// predict() at the sysfs level: the shell-visible errnos for missing files and read-only attributes, reads, polls,
// gaps, asynchronous writes; and whole stock scenarios on the default topology as a real guest ran them.

const kmem = await parseScenarioFile(projectPath('scenarios/stock/kmem.yaml'));

test('observed on the guest: a read-only attribute EACCES, a missing attribute EACCES, a missing device ENOENT', (t) => {
  const { s } = booted(preset('default'));
  const r = run(t, s, [write('decoder0.0/create_ram_region', 'region0')]);
  refused(t, r, write('region0/mode', 'pmem'), 'EACCES', 'sysfs.read-only');
  refused(t, r, write('region0/target0', 'decoder2.0'), 'EACCES', 'sysfs.no-such-attribute');
  refused(t, r, write('region9/size', 268435456), 'ENOENT', 'sysfs.no-such-device');
  refused(t, r, write('decoder7.0/mode', 'ram'), 'ENOENT', 'sysfs.no-such-device');
});

test('reads return what the snapshot shows; a path with no snapshot key ENOENT', (t) => {
  const { s } = booted(preset('default'));
  const o = step(s, read('decoder0.0/create_ram_region'));
  t.deepEqual([o.errno, o.value], ['ok', 'region0']);
  t.is(step(s, read('region0/size')).errno, 'ENOENT');
  t.is(step(s, read('/sys/devices/system/memory/auto_online_blocks')).value, 'offline');
});

test('polls: ok when the value (or the key) is there, ETIMEDOUT otherwise', (t) => {
  const { s } = booted(preset('default'));
  t.is(step(s, { kind: 'poll', path: `${CXL}decoder0.0/create_ram_region`, value: 'region0', timeoutMs: 1000 }).errno, 'ok');
  t.is(step(s, { kind: 'poll', path: `${CXL}decoder0.0/create_ram_region`, value: 'region1', timeoutMs: 1000 }).errno, 'ETIMEDOUT');
  t.is(step(s, { kind: 'poll', path: `${CXL}decoder0.0/start`, timeoutMs: 1000 }).errno, 'ok');
  t.is(step(s, { kind: 'poll', path: `${CXL}dax_region0`, timeoutMs: 1000 }).errno, 'ETIMEDOUT');
});

test('what the model does not cover is a gap, and the state is left as it was', (t) => {
  const { s } = booted(preset('default'));
  for (const a of [write('/sys/kernel/mm/foo', 1), write('decoder0.0/qos_class', 1), { kind: 'run' as const, command: 'cxl create-region -d decoder0.0' }, read('/proc/meminfo')]) {
    const p = predict(s, a);
    t.truthy(p.gap, JSON.stringify(a));
    t.is(p.result, undefined);
    t.is(p.state, s);
  }
  t.is(step(s, { kind: 'run', command: 'daxctl list -M' }).errno, 'ok');
  t.is(step(s, { kind: 'run', command: 'cxl list' }).errno, 'ok');
});

test('data and requires steps predict ok and change nothing', (t) => {
  const { s } = booted(preset('default'));
  for (const a of [{ kind: 'data' as const, region: 'region0', samples: 16 }, { kind: 'requires' as const, path: '/sys/bus/cxl/drivers/x', capability: 'x' }]) {
    const o = step(s, a);
    t.is(o.errno, 'ok');
    t.deepEqual(snap(o.state), snap(s));
  }
});

test('predict never changes the state it is given', (t) => {
  const { s, names } = booted(preset('default'));
  const before = structuredClone(s);
  for (const a of [...regionSteps({ ways: 1, granularity: 256, targets: [ep(names, 1)] }), bind('cxl_region', 'region0')]) predict(s, a);
  t.deepEqual(s, before);
});

test('binds, commits, target and delete writes are asynchronous; geometry writes are not', (t) => {
  const { s, names } = booted(preset('default'));
  const steps = regionSteps({ ways: 1, granularity: 256, targets: [ep(names, 1)] });
  let st = s;
  const asyncOf: Record<string, boolean> = {};
  for (const a of [...steps, bind('cxl_region', 'region0')]) {
    const o = step(st, a);
    asyncOf[a.kind === 'write' ? a.path.split('/').pop()! : a.kind] = o.async;
    st = o.state;
  }
  t.like(asyncOf, { create_ram_region: false, interleave_granularity: false, interleave_ways: false, size: false, mode: false, dpa_size: false, target0: true, commit: true, bind: true });
});

test('snapshotKey maps sysfs paths to snapshot keys', (t) => {
  t.is(snapshotKey('/sys/bus/cxl/devices/region0/commit'), 'cxl/region0/commit');
  t.is(snapshotKey('/sys/bus/dax/devices/dax0.0/target_node'), 'dax/dax0.0/target_node');
  t.is(snapshotKey('/sys/devices/system/memory/memory90/valid_zones'), 'memory/memory90/valid_zones');
  t.is(snapshotKey('/sys/devices/system/memory/auto_online_blocks'), 'memory/auto_online_blocks');
  t.is(snapshotKey('/sys/devices/system/memory/memory90/online'), undefined);
  t.is(snapshotKey('/proc/iomem'), undefined);
});


// The brief: the default topology's full stock kmem scenario passes against the model on a real guest. Under the
// offline policy every step succeeds (topologies.md: bind, blocks offline then online_movable accepted, the A2 teardown).
test('stock kmem, offline variant, default topology: every step succeeds', (t) => {
  const r = dryRun(kmem, preset('default'), 'offline', { memdevs: [1] });
  t.true(r.length > 10);
  t.deepEqual(r.filter((x) => x.errno !== 'ok'), []);
});

// Under memhp_default_state=online_movable kmem adds the blocks online already, so writing online_movable to them is
// refused (§3: a block already in that state, EINVAL); everything else succeeds.
test('stock kmem, online_movable variant: only the blocks online_movable step is refused (EINVAL)', (t) => {
  const r = dryRun(kmem, preset('default'), 'online_movable');
  const refusedSteps = r.filter((x) => x.errno !== 'ok');
  t.deepEqual(refusedSteps.map((x) => [x.name, x.errno, x.fact]), [['online_movable > region0 memory blocks', 'EINVAL', 'memory.state.same']]);
});

test('stock kmem on every preset with volatile devices: every step succeeds under the offline policy', (t) => {
  for (const name of ['hb2', 'hb2x2', 'mixed', 'rp2', 'switch2', 'switch4', 'sw2x2']) {
    const r = dryRun(kmem, preset(name), 'offline');
    t.deepEqual(r.filter((x) => x.errno !== 'ok'), [], name);
  }
});
