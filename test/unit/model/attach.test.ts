// targetN writes through predict(): topologies.md's decoder programming table (A/B/C2/E/F/G) and its target errnos.
import test, { type ExecutionContext } from 'ava';
import type { ModelState } from '../../../harness/model/state.ts';
import type { GuestNames } from '../../../harness/topology/guest-graph.ts';
import { ep } from './kernel-names.ts';
import { booted, fixtureTopology, preset, refused, regionSteps, results, run, snap, step, SZ_256M, under, write } from './world.ts';

// regionN/targetX through predict(): topologies.md's decoder programming table (A/B/C2/E/F/G) and its target errnos;
// port decoders show their programming only once the last target lands, and how decommit and detach treat it.

const hexOf = (n: bigint) => `0x${n.toString(16)}`;
const START = '0x2d0000000';

/** What a port decoder shows once programmed: ways, granularity, target_list, the region's HPA. */
const programmed = (ways: number, granularity: number, targets: string, size: bigint) => ({
  region: 'region0',
  interleave_ways: String(ways),
  interleave_granularity: String(granularity),
  target_list: targets,
  start: START,
  size: hexOf(size),
});
/** What an attached endpoint decoder shows: region ways and granularity, the region's start and size. */
const attached = (ways: number, granularity: number) => ({
  mode: 'ram',
  dpa_size: '0x0000000010000000',
  dpa_resource: '0x0',
  region: 'region0',
  interleave_ways: String(ways),
  interleave_granularity: String(granularity),
  start: START,
  size: hexOf(SZ_256M * BigInt(ways)),
});

/** Commits the region (topologies.md's programming table was read from committed regions). */
const commit = (t: ExecutionContext, s: ModelState) => run(t, s, [write('region0/commit', 1)]);

/** Region writes up to (and without) the targets, then the targets one by one; returns each target's errno. */
function targets(t: ExecutionContext, s: ModelState, ways: number, granularity: number, decoders: string[]) {
  const pre = regionSteps({ ways, granularity, targets: decoders, commit: false });
  const setup = pre.filter((a) => !(a.kind === 'write' && /\/target\d+$/.test(a.path)));
  const ready = run(t, s, setup);
  return results(ready, decoders.map((d, p) => write(`region0/target${p}`, d)));
}

test('A (hb2, bus 222 probed first): each host bridge 1-way at 8192 with target_list 0; endpoints 2-way 4096', (t) => {
  const { s, names } = booted(preset('hb2'), { hostBridges: [222, 12], endpoints: [2, 1], memdevs: [1, 2] });
  const r = targets(t, s, 2, 4096, [ep(names, 1), ep(names, 2)]);
  t.deepEqual(r.errnos, ['ok', 'ok']);
  const size = 2n * SZ_256M;
  const c = commit(t, r.state);
  t.deepEqual(under(c, 'cxl/decoder2.0/'), programmed(1, 8192, '0', size), 'hb12 is port2');
  t.deepEqual(under(c, 'cxl/decoder1.0/'), programmed(1, 8192, '0', size), 'hb222 is port1');
  t.deepEqual(under(c, `cxl/${ep(names, 1)}/`), attached(2, 4096));
  t.deepEqual(under(c, `cxl/${ep(names, 2)}/`), attached(2, 4096));
});

test('A swapped: target0 below the host bridge the root lists second is ENXIO at once and stays empty', (t) => {
  const { s, names } = booted(preset('hb2'));
  const r = targets(t, s, 2, 4096, [ep(names, 2), ep(names, 1)]);
  t.deepEqual(r.errnos, ['ENXIO', 'ENXIO']);
  t.is(snap(r.state)['cxl/region0/target0'], '');
  t.is(snap(r.state)['cxl/region0/target1'], '');
});

const B = () => booted(preset('switch2'), { memdevs: [2, 1] }); // the real guest's names

test('B (switch2): port decoders show no programming until the last target lands (size reads 0x0)', (t) => {
  const { s, names } = B();
  const ready = run(t, s, regionSteps({ ways: 2, granularity: 256, targets: [ep(names, 1), ep(names, 2)], commit: false }).slice(0, -1));
  // Only target0 written: the decoders are claimed (cxl_rr_alloc_decoder sets cxld->region) but unprogrammed.
  t.deepEqual(under(ready, 'cxl/decoder1.0/'), { region: 'region0' });
  t.deepEqual(under(ready, 'cxl/decoder2.0/'), { region: 'region0' });
  t.deepEqual(under(ready, `cxl/${ep(names, 1)}/`), attached(2, 256), 'the endpoint decoder shows the region at once');
  t.is(snap(ready)['cxl/region0/target0'], 'decoder3.0');
});

test('B (switch2): HB 1-way 256 "0", switch 2-way 256 "0,1", endpoints 2-way 256', (t) => {
  const { s, names } = B();
  const r = targets(t, s, 2, 256, [ep(names, 1), ep(names, 2)]);
  t.deepEqual(r.errnos, ['ok', 'ok']);
  const c = commit(t, r.state);
  t.deepEqual(under(c, 'cxl/decoder1.0/'), programmed(1, 256, '0', 2n * SZ_256M));
  t.deepEqual(under(c, 'cxl/decoder2.0/'), programmed(2, 256, '0,1', 2n * SZ_256M));
  t.deepEqual(under(c, 'cxl/decoder3.0/'), attached(2, 256));
  t.deepEqual(under(c, 'cxl/decoder4.0/'), attached(2, 256));
  t.is(snap(c)['cxl/decoder2.1/region'], '', 'the other switch decoders stay free');
});

test('B swapped: the switch target_list follows the positions ("1,0")', (t) => {
  const { s, names } = B();
  const r = targets(t, s, 2, 256, [ep(names, 2), ep(names, 1)]);
  t.deepEqual(r.errnos, ['ok', 'ok']);
  t.is(snap(commit(t, r.state))['cxl/decoder2.0/target_list'], '1,0');
});

test('B: interleave_granularity while targets are attached EBUSY', (t) => {
  const { s, names } = B();
  const r = targets(t, s, 2, 256, [ep(names, 1), ep(names, 2)]);
  refused(t, r.state, write('region0/interleave_granularity', 256), 'EBUSY');
});

test('C2 (rp2): position 0 under dport 1: the host bridge 2-way 1024 with target_list "1,0"', (t) => {
  const { s, names } = booted(preset('rp2'), { memdevs: [2, 1] });
  const r = targets(t, s, 2, 1024, [ep(names, 2), ep(names, 1)]);
  t.deepEqual(r.errnos, ['ok', 'ok']);
  const c = commit(t, r.state);
  t.deepEqual(under(c, 'cxl/decoder1.0/'), programmed(2, 1024, '1,0', 2n * SZ_256M));
  t.deepEqual(under(c, `cxl/${ep(names, 2)}/`), attached(2, 1024));
});

test('E (switch4, targets sn3,sn1,sn4,sn2): passthrough HB 1-way 512, switch 4-way 512 "2,0,3,1"', (t) => {
  const { s, names } = booted(preset('switch4'), { memdevs: [3, 2, 1, 4] });
  const r = targets(t, s, 4, 512, [3, 1, 4, 2].map((sn) => ep(names, sn)));
  t.deepEqual(r.errnos, ['ok', 'ok', 'ok', 'ok']);
  const c = commit(t, r.state);
  t.deepEqual(under(c, 'cxl/decoder1.0/'), programmed(1, 512, '0', 4n * SZ_256M));
  t.deepEqual(under(c, 'cxl/decoder2.0/'), programmed(4, 512, '2,0,3,1', 4n * SZ_256M));
  for (const sn of [1, 2, 3, 4]) t.deepEqual(under(c, `cxl/${ep(names, sn)}/`), attached(4, 512));
});

test('F (hb2x2, targets sn1,sn3,sn2,sn4): each host bridge 2-way 8192 "0,1", endpoints 4-way 4096', (t) => {
  const { s, names } = booted(preset('hb2x2'));
  const r = targets(t, s, 4, 4096, [1, 3, 2, 4].map((sn) => ep(names, sn)));
  t.deepEqual(r.errnos, ['ok', 'ok', 'ok', 'ok']);
  const c = commit(t, r.state);
  t.deepEqual(under(c, 'cxl/decoder1.0/'), programmed(2, 8192, '0,1', 4n * SZ_256M));
  t.deepEqual(under(c, 'cxl/decoder2.0/'), programmed(2, 8192, '0,1', 4n * SZ_256M));
  t.deepEqual(under(c, `cxl/${ep(names, 4)}/`), attached(4, 4096));
});

test('F: position 1 below the same host bridge as position 0 is ENXIO', (t) => {
  const { s, names } = booted(preset('hb2x2'));
  const r = targets(t, s, 4, 4096, [ep(names, 1), ep(names, 2)]);
  t.deepEqual(r.errnos, ['ok', 'ENXIO']);
  t.is(r.facts[1], 'target.position-host-bridge');
});

// G: the test fixture g-two-switches.yaml (a switch of two devices under each of two root ports).
const Gtopo = fixtureTopology('g-two-switches.yaml');
const G = () => booted(Gtopo, { memdevs: [3, 1, 2, 4] });

test('G (targets sn1,sn3,sn2,sn4): HB 2-way 256 "0,1", each switch 2-way 512 "0,1", endpoints 4-way 256', (t) => {
  const { s, names } = G();
  const r = targets(t, s, 4, 256, [1, 3, 2, 4].map((sn) => ep(names, sn)));
  t.deepEqual(r.errnos, ['ok', 'ok', 'ok', 'ok']);
  const c = commit(t, r.state);
  t.deepEqual(under(c, 'cxl/decoder1.0/'), programmed(2, 256, '0,1', 4n * SZ_256M));
  t.deepEqual(under(c, 'cxl/decoder2.0/'), programmed(2, 512, '0,1', 4n * SZ_256M));
  t.deepEqual(under(c, 'cxl/decoder3.0/'), programmed(2, 512, '0,1', 4n * SZ_256M));
  t.deepEqual(under(c, `cxl/${ep(names, 2)}/`), attached(4, 256));
});

test('G (targets sn1,sn2,sn3,sn4): only the last target fails, ENXIO "cannot host"; commit then ENXIO', (t) => {
  const { s, names } = G();
  const r = targets(t, s, 4, 256, [1, 2, 3, 4].map((sn) => ep(names, sn)));
  t.deepEqual(r.errnos, ['ok', 'ok', 'ok', 'ENXIO']);
  t.is(r.facts[3], 'setup.cannot-host');
  refused(t, r.state, write('region0/commit', 1), 'ENXIO', 'commit.not-active');
  // The model follows the ABI here (a refused write changes nothing); 7.2 keeps the target recorded, a kernel
  // finding in harness/model/known.yaml (finding-failed-target-recorded), tested in known.test.ts.
  t.is(snap(r.state)['cxl/region0/target3'], '');
});

test('G (targets sn1,sn3,sn4,sn2): the last target fails ENXIO "mismatched peer"', (t) => {
  const { s, names } = G();
  const r = targets(t, s, 4, 256, [1, 3, 4, 2].map((sn) => ep(names, sn)));
  t.deepEqual(r.errnos, ['ok', 'ok', 'ok', 'ENXIO']);
  t.is(r.facts[3], 'setup.mismatched-peer');
});

/** B with both targets attached and committed. */
function committedB(t: ExecutionContext): { s: ModelState; names: GuestNames } {
  const { s, names } = B();
  return { s: run(t, s, regionSteps({ ways: 2, granularity: 256, targets: [ep(names, 1), ep(names, 2)] })), names };
}

test('the same decoder again at its filled position EBUSY (observed); another device there EBUSY too (C)', (t) => {
  const { s, names } = B();
  const one = run(t, s, regionSteps({ ways: 2, granularity: 256, targets: [ep(names, 1), ep(names, 2)], commit: false }).slice(0, -1));
  refused(t, one, write('region0/target0', ep(names, 1)), 'EBUSY', 'target.position-taken');
  refused(t, one, write('region0/target0', ep(names, 2)), 'EBUSY', 'target.position-taken');
});

test('the same memdev at a second position EBUSY', (t) => {
  const topo = preset('rp2');
  for (const rp of topo.hostBridges[0]!.rootPorts) rp.device!.volatileMiB = 512;
  const { s, names } = booted(topo);
  const ready = run(t, s, [
    ...regionSteps({ ways: 2, granularity: 256, targets: [ep(names, 1)], commit: false }).slice(0, 3),
    write('region0/size', 2n * SZ_256M),
    write(`${ep(names, 1, 0)}/mode`, 'ram'),
    write(`${ep(names, 1, 0)}/dpa_size`, SZ_256M),
    write(`${ep(names, 1, 1)}/mode`, 'ram'),
    write(`${ep(names, 1, 1)}/dpa_size`, SZ_256M),
    write('region0/target0', ep(names, 1, 0)),
  ]);
  refused(t, ready, write('region0/target1', ep(names, 1, 1)), 'EBUSY', 'target.same-memdev');
});

test('C: a target after every position is filled EBUSY (region already active)', (t) => {
  const { s, names } = booted(preset('rp2'));
  const r = targets(t, s, 2, 256, [ep(names, 1), ep(names, 2)]);
  // The same, fully set up decoder: the region-state check comes before the position checks (§1.5 order).
  refused(t, r.state, write('region0/target0', ep(names, 1)), 'EBUSY', 'target.region-active');
});

test('targets that are no endpoint decoder: unknown ENODEV, another cxl device EINVAL', (t) => {
  const { s, names } = B();
  const ready = run(t, s, regionSteps({ ways: 2, granularity: 256, targets: [ep(names, 1)], commit: false }).slice(0, 4));
  refused(t, ready, write('region0/target0', 'decoder9.9'), 'ENODEV', 'target.no-such-device');
  refused(t, ready, write('region0/target0', 'decoder0.0'), 'EINVAL', 'target.not-endpoint-decoder');
  refused(t, ready, write('region0/target0', 'decoder2.0'), 'EINVAL', 'target.not-endpoint-decoder');
});

test('D: a decoder without a mode ENODEV ("decoder dead"); with a mode but no DPA ENXIO; before the size ENXIO', (t) => {
  const { s, names } = booted(preset('pmem'));
  const d = ep(names, 1);
  const base = run(t, s, [write('decoder0.0/create_pmem_region', 'region0'), write('region0/uuid', '6ba7b810-9dad-41d1-80b4-00c04fd430c8'), write('region0/interleave_granularity', 256), write('region0/interleave_ways', 1)]);
  refused(t, run(t, base, [write(`${d}/mode`, 'pmem')]), write('region0/target0', d), 'ENXIO', 'target.no-size');
  const sized = run(t, base, [write('region0/size', SZ_256M)]);
  refused(t, sized, write('region0/target0', d), 'ENODEV', 'target.mode-none');
  refused(t, run(t, sized, [write(`${d}/mode`, 'pmem')]), write('region0/target0', d), 'ENXIO', 'target.no-dpa');
});

test('a RAM decoder in a pmem region EINVAL (mode mismatch); a DPA size that does not fit the region EINVAL', (t) => {
  const { s, names } = booted(preset('mixed'));
  const ramDec = ep(names, 1);
  const pmemRegion = run(t, s, [write('decoder0.0/create_pmem_region', 'region0'), write('region0/uuid', '6ba7b810-9dad-41d1-80b4-00c04fd430c8'), write('region0/interleave_granularity', 256), write('region0/interleave_ways', 1), write('region0/size', SZ_256M), write(`${ramDec}/mode`, 'ram'), write(`${ramDec}/dpa_size`, SZ_256M)]);
  refused(t, pmemRegion, write('region0/target0', ramDec), 'EINVAL', 'target.mode-mismatch');
  const { s: s2, names: n2 } = booted(preset('default'));
  const big = run(t, s2, [write('decoder0.0/create_ram_region', 'region0'), write('region0/interleave_granularity', 256), write('region0/interleave_ways', 1), write('region0/size', 2n * SZ_256M), write(`${ep(n2, 1)}/mode`, 'ram'), write(`${ep(n2, 1)}/dpa_size`, SZ_256M)]);
  refused(t, big, write('region0/target0', ep(n2, 1)), 'EINVAL', 'target.size-mismatch');
});

test('the endpoint interleave cap: 16 ways at 16384 ENXIO before any other check; 8 ways at 4096 passes it (§5.3)', (t) => {
  const { s, names } = B();
  const region = (ways: number, g: number) => run(t, s, [write('decoder0.0/create_ram_region', 'region0'), write('region0/interleave_granularity', g), write('region0/interleave_ways', ways), write('region0/size', BigInt(ways) * SZ_256M)]);
  // log2(16) + log2(16384/256) = 10 > 7: ENXIO even for a decoder without a mode.
  refused(t, region(16, 16384), write('region0/target0', ep(names, 1)), 'ENXIO', 'target.endpoint-interleave-cap');
  // log2(8) + log2(4096/256) = 7: the cap holds, the next check (no mode) refuses.
  refused(t, region(8, 4096), write('region0/target0', ep(names, 1)), 'ENODEV', 'target.mode-none');
});

test('a target beyond interleave_ways has no file: EACCES, as the shell reports it', (t) => {
  const { s, names } = booted(preset('switch4'));
  const r = targets(t, s, 4, 256, [1, 2, 3, 4].map((sn) => ep(names, sn)));
  refused(t, r.state, write('region0/target4', ep(names, 1)), 'EACCES', 'sysfs.no-such-attribute');
});

test('decommit: commit reads 0, the targets and endpoint decoders stay, and the region commits again', (t) => {
  const { s } = committedB(t);
  t.is(snap(s)['cxl/region0/commit'], '1');
  const o = step(s, write('region0/commit', 0));
  t.is(o.errno, 'ok');
  t.like(snap(o.state), { 'cxl/region0/commit': '0', 'cxl/region0/target0': 'decoder3.0', 'cxl/region0/target1': 'decoder4.0', 'cxl/decoder3.0/region': 'region0' });
  t.deepEqual(under(o.state, 'cxl/decoder3.0/'), attached(2, 256));
  t.is(step(o.state, write('region0/commit', 1)).errno, 'ok', 'it commits again');
});

// The guest's snapshot prints a port decoder's programming (ways, granularity, target list, start, size) only while
// its region is committed: before that, 7.2 showed an earlier region's start and size on sw2x2 (docs/observations.md,
// "Port decoders keep an earlier region's start/size"), so the observation format leaves the uncommitted state out
// (images/guest/libexec/snapshot) and the model renders it the same way.
test('port decoders show no programming after the last target, only once the region commits', (t) => {
  const { s, names } = B();
  const r = targets(t, s, 2, 256, [ep(names, 1), ep(names, 2)]);
  t.is(snap(r.state)['cxl/region0/commit'], '0');
  t.deepEqual(Object.keys(under(r.state, 'cxl/decoder2.0/')), ['region']);
  const c = run(t, r.state, [write('region0/commit', 1)]);
  t.deepEqual(under(c, 'cxl/decoder2.0/'), programmed(2, 256, '0,1', 2n * SZ_256M));
});

test('decommit hides the port decoders\' programming again', (t) => {
  const { s } = committedB(t);
  t.deepEqual(under(s, 'cxl/decoder2.0/'), programmed(2, 256, '0,1', 2n * SZ_256M));
  const o = run(t, s, [write('region0/commit', 0)]);
  t.deepEqual(Object.keys(under(o, 'cxl/decoder1.0/')), ['region']);
  t.deepEqual(Object.keys(under(o, 'cxl/decoder2.0/')), ['region']);
});

test('C: detaching a target of a committed, unbound region succeeds and silently decommits it', (t) => {
  const { s } = committedB(t);
  const o = step(s, write('region0/target0', ''));
  t.is(o.errno, 'ok');
  t.like(snap(o.state), { 'cxl/region0/commit': '0', 'cxl/region0/target0': '', 'cxl/region0/target1': 'decoder4.0', 'cxl/decoder3.0/region': '' });
  // The ports stop decoding the region: size 0x0, so no programming shows (B: target_list kept, size 0).
  t.deepEqual(Object.keys(under(o.state, 'cxl/decoder2.0/')), ['region']);
  t.false('cxl/decoder3.0/interleave_ways' in snap(o.state));
  refused(t, o.state, write('region0/commit', 1), 'ENXIO');
});

test('clean teardown in the documented order (A2): commit 0, target1 "", target0 "", delete_region, all OK', (t) => {
  const { s } = committedB(t);
  const r = results(s, [write('region0/commit', 0), write('region0/target1', ''), write('region0/target0', ''), write('decoder0.0/delete_region', 'region0')]);
  t.deepEqual(r.errnos, ['ok', 'ok', 'ok', 'ok']);
  t.false(Object.keys(snap(r.state)).some((k) => k.startsWith('cxl/region0')));
  t.deepEqual(under(r.state, 'cxl/decoder2.0/'), { region: '' });
  // Endpoint DPA stays allocated until freed (cxl-sysfs-model.md §1.1).
  t.is(snap(r.state)['cxl/decoder3.0/dpa_size'], '0x0000000010000000');
});

test('detaching an empty position succeeds', (t) => {
  const { s, names } = B();
  const ready = run(t, s, regionSteps({ ways: 2, granularity: 256, targets: [ep(names, 1), ep(names, 2)], commit: false }).slice(0, -2));
  refused(t, ready, write('region0/target1', ''), 'ok');
});
