// Region create/geometry/size/uuid/commit/delete through predict(), against topologies.md's errno table and §1.1–1.6.
import test, { type ExecutionContext } from 'ava';
import type { ModelState } from '../../../harness/model/state.ts';
import { ep } from './kernel-names.ts';
import { bind, boot, booted, preset, refused, regionSteps, run, snap, step, SZ_256M, under, WINDOW0, write } from './world.ts';

// Region creation, geometry, size, uuid, commit and deletion through predict(), against topologies.md's errno table
// and cxl-sysfs-model.md §1.1–1.3, 1.6 (A = hb2, B = switch2, C = rp2, D = pmem, E = switch4, F = hb2x2).

const created = (t: ExecutionContext, name: string, mode: 'ram' | 'pmem' = 'ram'): ModelState => run(t, boot(preset(name)), [write(`decoder0.0/create_${mode}_region`, 'region0')]);
const G = (v: number | string) => write('region0/interleave_granularity', v);
const W = (v: number | string) => write('region0/interleave_ways', v);
const S = (v: number | bigint | string) => write('region0/size', v);

test('a new RAM region reads as §1.2 says: ram, ways/granularity 0, size 0x0, no resource, not committed, not locked', (t) => {
  t.deepEqual(under(created(t, 'default'), 'cxl/region0/'), {
    mode: 'ram',
    // ABI sysfs-bus-cxl regionZ/locked: 1 only for a region the platform locked (CXL_REGION_F_LOCK).
    locked: '0',
    commit: '0',
    size: '0x0',
    resource: '0xffffffffffffffff',
    interleave_ways: '0',
    interleave_granularity: '0',
  });
  t.is(snap(created(t, 'default'))['cxl/region0'], '-', 'no driver');
});

test('A (window 2-way 4096): granularity 256, 1024, 8192 EINVAL; 4096 OK', (t) => {
  const s = created(t, 'hb2');
  for (const g of [256, 1024, 8192]) refused(t, s, G(g), 'EINVAL', 'granularity.root-mismatch');
  refused(t, s, G(4096), 'ok');
});

test('F (window 2-way 4096): granularity 2048 EINVAL', (t) => {
  refused(t, created(t, 'hb2x2'), G(2048), 'EINVAL');
});

test('B (x1 window): granularity 128, 300, 32768 EINVAL; 256 and 8192 OK', (t) => {
  const s = created(t, 'switch2');
  for (const g of [128, 300, 32768]) refused(t, s, G(g), 'EINVAL', 'granularity.unsupported');
  refused(t, s, G(256), 'ok');
  refused(t, s, G(8192), 'ok');
  refused(t, s, G('big'), 'EINVAL', 'granularity.unparsable');
});

test('A (root ways 2): interleave_ways 1 and 3 EINVAL; 4 accepted though only 2 devices exist', (t) => {
  const s = created(t, 'hb2');
  refused(t, s, W(1), 'EINVAL', 'ways.root-multiple');
  refused(t, s, W(3), 'EINVAL');
  refused(t, s, W(4), 'ok');
});

test('F (root ways 2): interleave_ways 3 and 6 EINVAL', (t) => {
  const s = created(t, 'hb2x2');
  refused(t, s, W(3), 'EINVAL');
  refused(t, s, W(6), 'EINVAL');
});

test('B (root ways 1): interleave_ways 3 EINVAL, 16 and 1 OK; 5 and "two" EINVAL', (t) => {
  const s = created(t, 'switch2');
  refused(t, s, W(3), 'EINVAL', 'ways.root-multiple');
  refused(t, s, W(16), 'ok');
  refused(t, s, W(1), 'ok');
  refused(t, s, W(5), 'EINVAL', 'ways.unsupported');
  refused(t, s, W('two'), 'EINVAL', 'ways.unparsable');
});

// interleave_ways_store and interleave_granularity_store return kstrtoint's error as is, and kstrtoint refuses a
// value outside int with ERANGE (lib/kstrtox.c: "if (tmp != (int)tmp) return -ERANGE;").
test('interleave_ways and interleave_granularity beyond int range ERANGE', (t) => {
  const s = created(t, 'switch2');
  t.is(step(s, W('4294967296')).errno, 'ERANGE');
  t.is(step(s, G('4294967296')).errno, 'ERANGE');
});

test('ways writes make targetN appear for N < ways only', (t) => {
  const s = run(t, created(t, 'switch2'), [W(4)]);
  t.deepEqual(Object.keys(under(s, 'cxl/region0/')).filter((k) => k.startsWith('target')), ['target0', 'target1', 'target2', 'target3']);
  t.deepEqual(['', '', '', ''], [0, 1, 2, 3].map((i) => snap(s)[`cxl/region0/target${i}`]));
});

test('size before ways and granularity: ENXIO', (t) => {
  const s = created(t, 'default');
  refused(t, s, S(SZ_256M), 'ENXIO', 'size.geometry-unset');
  refused(t, run(t, s, [G(256)]), S(SZ_256M), 'ENXIO', 'size.geometry-unset');
});

test('A 2-way: size 256M and 768M EINVAL (a multiple of 256M × ways); 512M OK at the window start', (t) => {
  const s = run(t, created(t, 'hb2'), [G(4096), W(2)]);
  refused(t, s, S(SZ_256M), 'EINVAL', 'size.multiple');
  refused(t, s, S(3n * SZ_256M), 'EINVAL', 'size.multiple');
  const ok = run(t, s, [S(2n * SZ_256M)]);
  t.like(snap(ok), { 'cxl/region0/size': '0x20000000', 'cxl/region0/resource': `0x${WINDOW0.toString(16)}` });
});

for (const name of ['rp2', 'switch4']) {
  test(`${name} 4-way: size 512M EINVAL, 1G OK`, (t) => {
    const s = run(t, created(t, name), [G(256), W(4)]);
    refused(t, s, S(2n * SZ_256M), 'EINVAL', 'size.multiple');
    refused(t, s, S(4n * SZ_256M), 'ok');
  });
}

test('size as written: hex accepted, 1e309 unparsable, larger than the window ERANGE', (t) => {
  const s = run(t, created(t, 'default'), [G(256), W(1)]);
  refused(t, s, S('1e309'), 'EINVAL', 'size.unparsable');
  refused(t, s, S(8n << 30n), 'ERANGE', 'size.no-space');
  t.is(snap(run(t, s, [S('0x10000000')]))['cxl/region0/size'], '0x10000000');
});

test('once HPA is allocated: same size OK, another size, ways and granularity EBUSY; size 0 frees it', (t) => {
  const s = run(t, created(t, 'default'), [G(256), W(1), S(SZ_256M)]);
  refused(t, s, S(SZ_256M), 'ok');
  refused(t, s, S(2n * SZ_256M), 'EBUSY', 'size.change');
  refused(t, s, W(1), 'EBUSY', 'ways.busy');
  refused(t, s, G(256), 'EBUSY', 'granularity.busy');
  const freed = run(t, s, [S(0)]);
  t.like(snap(freed), { 'cxl/region0/size': '0x0', 'cxl/region0/resource': '0xffffffffffffffff' });
  refused(t, freed, W(1), 'ok', undefined);
});

test('a second region goes to the next free 256M of the window', (t) => {
  const s = boot(preset('default'));
  const one = run(t, s, [write('decoder0.0/create_ram_region', 'region0'), G(256), W(1), S(SZ_256M), write('decoder0.0/create_ram_region', 'region1'), write('region1/interleave_granularity', 256), write('region1/interleave_ways', 1), write('region1/size', SZ_256M)]);
  t.is(snap(one)['cxl/region1/resource'], `0x${(WINDOW0 + SZ_256M).toString(16)}`);
});

test('create_ram_region offers region0, then region1; other ids EBUSY, other text EINVAL', (t) => {
  const s = boot(preset('default'));
  t.is(snap(s)['cxl/decoder0.0/create_ram_region'], 'region0');
  t.is(snap(s)['cxl/decoder0.0/create_pmem_region'], 'region0');
  refused(t, s, write('decoder0.0/create_ram_region', 'region7'), 'EBUSY', 'create.id-mismatch');
  refused(t, s, write('decoder0.0/create_ram_region', 'foo'), 'EINVAL', 'create.name-format');
  const after = run(t, s, [write('decoder0.0/create_ram_region', 'region0')]);
  t.is(snap(after)['cxl/decoder0.0/create_ram_region'], 'region1');
  refused(t, after, write('decoder0.0/create_ram_region', 'region0'), 'EBUSY');
});

test('F: decoder0.1 reserved region1, so after region0 decoder0.0 offers region2', (t) => {
  const s = boot(preset('hb2x2'));
  t.like(snap(s), { 'cxl/decoder0.0/create_ram_region': 'region0', 'cxl/decoder0.1/create_ram_region': 'region1' });
  const after = run(t, s, [write('decoder0.0/create_ram_region', 'region0')]);
  t.like(snap(after), { 'cxl/decoder0.0/create_ram_region': 'region2', 'cxl/decoder0.1/create_ram_region': 'region1' });
  t.is(snap(run(t, after, [write('decoder0.1/create_ram_region', 'region1')]))['cxl/decoder0.1/create_ram_region'], 'region3');
});

test('delete_region: unparsable EINVAL, unknown ENODEV; after deleting region0 the decoder offers region0 again (§1.1)', (t) => {
  const s = created(t, 'default');
  refused(t, s, write('decoder0.0/delete_region', 'nine'), 'EINVAL', 'delete.name-format');
  refused(t, s, write('decoder0.0/delete_region', 'region9'), 'ENODEV', 'delete.no-such-region');
  const gone = run(t, s, [write('decoder0.0/delete_region', 'region0')]);
  t.false('cxl/region0/mode' in snap(gone));
  t.is(snap(gone)['cxl/decoder0.0/create_ram_region'], 'region0');
  refused(t, gone, S(SZ_256M), 'ENOENT', 'sysfs.no-such-device');
});

test('RAM region uuid, mode and resource are read-only (EACCES)', (t) => {
  const s = created(t, 'default');
  refused(t, s, write('region0/uuid', '6ba7b810-9dad-41d1-80b4-00c04fd430c8'), 'EACCES', 'sysfs.read-only');
  refused(t, s, write('region0/mode', 'pmem'), 'EACCES');
  refused(t, s, write('region0/resource', 0), 'EACCES');
});

test('D pmem: a new region reads uuid all zeros; size before uuid ENXIO; the null uuid EINVAL; uuid then size OK', (t) => {
  const s = run(t, created(t, 'pmem', 'pmem'), [G(256), W(1)]);
  t.like(snap(s), { 'cxl/region0/mode': 'pmem', 'cxl/region0/uuid': '00000000-0000-0000-0000-000000000000' });
  refused(t, s, S(SZ_256M), 'ENXIO', 'size.uuid-unset');
  refused(t, s, write('region0/uuid', '00000000-0000-0000-0000-000000000000'), 'EINVAL', 'uuid.null');
  refused(t, s, write('region0/uuid', '6ba7b810-9dad-41d1-80b4'), 'EINVAL', 'uuid.length');
  refused(t, s, write('region0/uuid', 'zzzzzzzz-9dad-41d1-80b4-00c04fd430c8'), 'EINVAL', 'uuid.parse');
  const u = run(t, s, [write('region0/uuid', '6BA7B810-9DAD-41D1-80B4-00C04FD430C8'), S(SZ_256M)]);
  t.like(snap(u), { 'cxl/region0/uuid': '6ba7b810-9dad-41d1-80b4-00c04fd430c8', 'cxl/region0/size': '0x10000000' });
});

test('commit: before every target ENXIO; unparsable EINVAL; 0 on an uncommitted region is a no-op', (t) => {
  const s = run(t, created(t, 'default'), [G(256), W(1), S(SZ_256M)]);
  refused(t, s, write('region0/commit', 1), 'ENXIO', 'commit.not-active');
  refused(t, s, write('region0/commit', 'maybe'), 'EINVAL', 'commit.unparsable');
  refused(t, s, write('region0/commit', 0), 'ok');
});

test('C: a 4-way region with 2 of 4 targets: commit ENXIO, then the cxl_region bind ENXIO', (t) => {
  const { s: s0, names: n } = booted(preset('rp2'));
  const names = [ep(n, 1), ep(n, 2)];
  const s = run(t, s0, [write('decoder0.0/create_ram_region', 'region0'), G(256), W(4), S(4n * SZ_256M), ...names.flatMap((d) => [write(`${d}/mode`, 'ram'), write(`${d}/dpa_size`, SZ_256M)]), write('region0/target0', names[0]!), write('region0/target1', names[1]!)]);
  refused(t, s, write('region0/commit', 1), 'ENXIO', 'commit.not-active');
  refused(t, s, bind('cxl_region', 'region0'), 'ENXIO', 'region.probe.uncommitted');
});

test('C: after commit, interleave_ways and size EBUSY; commit 1 again OK', (t) => {
  const { s: s0, names } = booted(preset('rp2'));
  const s = run(t, s0, regionSteps({ ways: 2, granularity: 1024, targets: [ep(names, 2), ep(names, 1)] }));
  t.is(snap(s)['cxl/region0/commit'], '1');
  refused(t, s, W(2), 'EBUSY', 'ways.busy');
  refused(t, s, S(2n * SZ_256M), 'ok', undefined);
  refused(t, s, S(4n * SZ_256M), 'EBUSY');
  refused(t, s, S(0), 'EBUSY', 'size.free-active');
  refused(t, s, write('region0/commit', 1), 'ok');
});

test('a refused write leaves every visible value as it was', (t) => {
  const s = run(t, created(t, 'hb2'), [G(4096), W(2)]);
  const o = step(s, S(SZ_256M));
  t.is(o.errno, 'EINVAL');
  t.deepEqual(snap(o.state), snap(s));
});
