// One test per documented refusal (cxl-sysfs-model.md §0, §1.1–1.7, §3): the errno the document gives, and that a
// refused write leaves the model's state and its rendering unchanged. Also memhp_default_state parsing (§3).
import test, { type ExecutionContext } from 'ava';
import { predict } from '../../../harness/model/predict.ts';
import { render } from '../../../harness/model/render.ts';
import { bootOnlineType, type ModelState } from '../../../harness/model/state.ts';
import { twoWayTopology } from '../topology/two-way.ts';
import { apply, bind, blocks, boot, MEMORY, memState, refused, stockSetup, SZ_256M, unbind, withDeviceMiB, write } from './stock.ts';

const GiB = 4 * SZ_256M;
const create = write('decoder0.0/create_ram_region', 'region0');
const gran = write('region0/interleave_granularity', 256);
const ways = write('region0/interleave_ways', 1);
const mode = write('decoder2.0/mode', 'ram');
const dpa = write('decoder2.0/dpa_size', SZ_256M);
const size = write('region0/size', SZ_256M);
const target = write('region0/target0', 'decoder2.0');
const commit = write('region0/commit', 1);

const created = (t: ExecutionContext) => apply(t, boot(), [create]);
const shaped = (t: ExecutionContext) => apply(t, boot(), [create, gran, ways]);
const sized = (t: ExecutionContext) => apply(t, boot(), [create, gran, ways, mode, dpa, size]);
const attached = (t: ExecutionContext) => apply(t, boot(), [create, gran, ways, mode, dpa, size, target]);
const committed = (t: ExecutionContext) => apply(t, boot(), stockSetup);
const bound = (t: ExecutionContext, policy = 'offline') => apply(t, boot(policy), [...stockSetup, bind('region0')]);

// ---- §1.1 root decoder: create_ram_region / delete_region ----

test('§1.1 create_ram_region: not of the form regionN → EINVAL', (t) => {
  const s = boot();
  for (const v of ['x', 'region', 'regionX', '0']) refused(t, s, write('decoder0.0/create_ram_region', v), 'EINVAL', v);
});

test('§1.1 create_ram_region: N ≠ the cached id → EBUSY', (t) => {
  refused(t, boot(), write('decoder0.0/create_ram_region', 'region5'), 'EBUSY', 'region5 while region0 is cached');
  // After creating region0 the cache holds region1, so region0 again is the wrong id too.
  refused(t, created(t), write('decoder0.0/create_ram_region', 'region0'), 'EBUSY', 'region0 twice');
});

test('§1.1 delete_region: no such region under this decoder → ENODEV', (t) => {
  refused(t, boot(), write('decoder0.0/delete_region', 'region7'), 'ENODEV', 'region7 never created');
  refused(t, created(t), write('decoder0.0/delete_region', 'region1'), 'ENODEV', 'region1 is only the cached id');
});

test('§1.1 delete_region: unparsable → EINVAL', (t) => {
  refused(t, created(t), write('decoder0.0/delete_region', 'junk'), 'EINVAL', 'junk');
});

// ---- §1.3 interleave_ways / interleave_granularity / size ----

test('§1.3 interleave_ways: parse error or a value outside {1,2,3,4,6,8,12,16} → EINVAL', (t) => {
  const s = created(t);
  for (const v of ['two', '5', '0', '7', '32', '-1']) refused(t, s, write('region0/interleave_ways', v), 'EINVAL', v);
});

test('§1.3 interleave_ways: value / root ways not a power of two → EINVAL (1-way window: 3, 6, 12)', (t) => {
  const s = created(t);
  for (const v of [3, 6, 12]) refused(t, s, write('region0/interleave_ways', v), 'EINVAL', String(v));
});

test('§1.3 interleave_ways on a 2-host-bridge window: not a multiple of root ways, or quotient not a power of two → EINVAL', (t) => {
  const s = apply(t, boot('offline', twoWayTopology), [create]);
  for (const v of [1, 3, 6]) refused(t, s, write('region0/interleave_ways', v), 'EINVAL', String(v));
  for (const v of [2, 4, 8]) t.deepEqual(predict(s, write('region0/interleave_ways', v)).result, ['ok'], String(v));
});

test('§1.3 interleave_granularity: not a power of two in [256, 16384] → EINVAL', (t) => {
  const s = created(t);
  for (const v of ['300', '128', '32768', '0', 'abc']) refused(t, s, write('region0/interleave_granularity', v), 'EINVAL', v);
  for (const v of [256, 16384]) t.deepEqual(predict(s, write('region0/interleave_granularity', v)).result, ['ok'], String(v));
});

test('§1.3 interleave_granularity on a multi-host-bridge window: ≠ the window granularity → EINVAL', (t) => {
  const s = apply(t, boot('offline', twoWayTopology), [create]);
  refused(t, s, write('region0/interleave_granularity', 256), 'EINVAL', '256 on a 4096 window');
  t.deepEqual(predict(s, write('region0/interleave_granularity', 4096)).result, ['ok']);
});

test('§1.3 size before ways and granularity are set → ENXIO', (t) => {
  refused(t, created(t), size, 'ENXIO', 'neither set');
  refused(t, apply(t, boot(), [create, gran]), size, 'ENXIO', 'granularity only');
  refused(t, apply(t, boot(), [create, ways]), size, 'ENXIO', 'ways only');
});

test('§1.3 size not a multiple of 256 MiB × ways → EINVAL', (t) => {
  const s = shaped(t);
  for (const v of [SZ_256M / 2, SZ_256M + SZ_256M / 2, 4096]) refused(t, s, write('region0/size', v), 'EINVAL', String(v));
  refused(t, s, write('region0/size', 'big'), 'EINVAL', 'parse error');
});

test('§1.3 size larger than the window → ERANGE', (t) => {
  const s = shaped(t);
  refused(t, s, write('region0/size', 8 * GiB), 'ERANGE', '8 GiB in a 4 GiB window');
  refused(t, s, write('region0/size', 4 * GiB + SZ_256M), 'ERANGE', '4.25 GiB');
  t.deepEqual(predict(s, write('region0/size', 4 * GiB)).result, ['ok'], 'the whole window fits');
});

test('§1.3 no free space left in the window → ERANGE; the next region goes to the lowest free range', (t) => {
  const s = apply(t, boot(), [create, gran, ways, size, write('decoder0.0/create_ram_region', 'region1'), write('region1/interleave_granularity', 256), write('region1/interleave_ways', 1)]);
  refused(t, s, write('region1/size', 4 * GiB), 'ERANGE', '4 GiB with 256 MiB taken');
  const p = predict(s, write('region1/size', 4 * GiB - SZ_256M));
  t.deepEqual(p.result, ['ok']);
  t.is(render(p.state)['cxl/region1/resource'], '0x2e0000000');
});

test('§1.3 changing size once HPA is allocated → EBUSY; the same size again succeeds', (t) => {
  const s = sized(t);
  refused(t, s, write('region0/size', 2 * SZ_256M), 'EBUSY', '512 MiB after 256 MiB');
  const same = predict(s, size);
  t.deepEqual(same.result, ['ok']);
  t.deepEqual(same.state, s);
});

test('§1.3 interleave_ways / interleave_granularity after size (state ≥ INTERLEAVE_ACTIVE) → EBUSY', (t) => {
  const s = sized(t);
  refused(t, s, write('region0/interleave_ways', 2), 'EBUSY', 'ways 2');
  refused(t, s, write('region0/interleave_ways', 1), 'EBUSY', 'ways 1 again');
  refused(t, s, write('region0/interleave_granularity', 512), 'EBUSY', 'granularity 512');
  // Value checks come first: an invalid value is still EINVAL (observed: 5 > interleave_ways on a committed region).
  refused(t, s, write('region0/interleave_ways', 5), 'EINVAL', 'ways 5');
});

test('§1.3 size 0 once targets are attached (state ≥ ACTIVE) → EBUSY; without HPA it succeeds', (t) => {
  refused(t, attached(t), write('region0/size', 0), 'EBUSY', 'size 0 with target0 attached');
  const p = predict(shaped(t), write('region0/size', 0));
  t.deepEqual(p.result, ['ok']);
});

// ---- §1.4 endpoint decoder ----

test('§1.4 mode: neither ram nor pmem → EINVAL', (t) => {
  const s = created(t);
  for (const v of ['bogus', 'RAM', 'none']) refused(t, s, write('decoder2.0/mode', v), 'EINVAL', v);
});

test('§1.4 mode while the decoder is committed → EBUSY', (t) => {
  refused(t, committed(t), write('decoder2.0/mode', 'ram'), 'EBUSY', 'mode of a committed decoder');
});

test('§1.4 dpa_size while mode is none → EBUSY', (t) => {
  refused(t, boot(), write('decoder2.0/dpa_size', SZ_256M), 'EBUSY', 'mode none');
});

test('§1.4 dpa_size larger than the remaining partition → ENOSPC', (t) => {
  const s = apply(t, boot(), [mode]);
  refused(t, s, write('decoder2.0/dpa_size', 2 * SZ_256M), 'ENOSPC', '512 MiB on a 256 MiB device');
  const full = apply(t, boot(), [mode, dpa, write('decoder2.1/mode', 'ram')]);
  refused(t, full, write('decoder2.1/dpa_size', SZ_256M), 'ENOSPC', 'device already fully allocated to decoder2.0');
});

test('§1.4 dpa_size not 256 MiB-aligned → EINVAL', (t) => {
  const s = apply(t, boot(), [mode]);
  for (const v of [SZ_256M / 2, 1, 'lots']) refused(t, s, write('decoder2.0/dpa_size', v), 'EINVAL', String(v));
});

test('§1.4 dpa_size allocation out of decoder order (id ≠ last allocated + 1) → EBUSY', (t) => {
  const s = apply(t, boot('offline', withDeviceMiB(1024)), [write('decoder2.1/mode', 'ram')]);
  refused(t, s, write('decoder2.1/dpa_size', SZ_256M), 'EBUSY', 'decoder2.1 before decoder2.0');
});

test('§1.4 freeing a decoder that is not the highest allocated on the port → EBUSY', (t) => {
  const s = apply(t, boot('offline', withDeviceMiB(1024)), [mode, dpa, write('decoder2.1/mode', 'ram'), write('decoder2.1/dpa_size', SZ_256M)]);
  refused(t, s, write('decoder2.0/dpa_size', 0), 'EBUSY', 'decoder2.0 below decoder2.1');
  t.deepEqual(predict(s, write('decoder2.1/dpa_size', 0)).result, ['ok'], 'the highest one frees');
});

test('§1.4 freeing the DPA of a decoder that is in a region → EBUSY', (t) => {
  refused(t, attached(t), write('decoder2.0/dpa_size', 0), 'EBUSY', 'decoder2.0 is target0 of region0');
});

test('§1.4 the old allocation is freed first: a refused re-allocation leaves dpa_size 0', (t) => {
  // Not an unchanged state: "the old allocation is freed first … then" the allocation fails ENOSPC.
  const s = apply(t, boot(), [mode, dpa]);
  const p = predict(s, write('decoder2.0/dpa_size', 2 * SZ_256M));
  t.deepEqual(p.result, ['ENOSPC']);
  t.is(render(p.state)['cxl/decoder2.0/dpa_size'], '0x0000000000000000');
});

// ---- §1.5 targetN ----

test('§1.5 target: unknown device name → ENODEV', (t) => {
  const s = sized(t);
  for (const v of ['decoder9.9', 'decoder2.7', 'nonsense']) refused(t, s, write('region0/target0', v), 'ENODEV', v);
});

test('§1.5 target: a root decoder is not an endpoint decoder → EINVAL', (t) => {
  refused(t, sized(t), write('region0/target0', 'decoder0.0'), 'EINVAL', 'decoder0.0');
});

// BUG (harness/model/region.ts writeTarget, `if (!e) return state.roots.some(...) ? 'EINVAL' : 'ENODEV'`): §1.5 orders
// "unknown name → ENODEV; not an endpoint decoder → EINVAL". Any device on the cxl bus that is not an endpoint decoder
// gives EINVAL, but the model answers EINVAL only for root decoders: a region name (which the model knows) and the
// host-bridge decoder decoder1.0 (listed in /sys/bus/cxl/devices on the observed guest, ground-truth.md) get ENODEV.
test('§1.5 target: a region is a cxl device but not an endpoint decoder → EINVAL', (t) => {
  refused(t, sized(t), write('region0/target0', 'region0'), 'EINVAL', 'region0');
});

test('§1.5 target: the host-bridge decoder decoder1.0 is not an endpoint decoder → EINVAL', (t) => {
  refused(t, sized(t), write('region0/target0', 'decoder1.0'), 'EINVAL', 'decoder1.0');
});

test('§1.5 target: endpoint decoder with mode none → ENODEV', (t) => {
  refused(t, apply(t, boot(), [create, gran, ways]), write('region0/target0', 'decoder2.0'), 'ENODEV', 'decoder2.0 mode none');
  // Checked before the state: even on a committed region, a mode-none decoder is ENODEV.
  refused(t, committed(t), write('region0/target0', 'decoder2.1'), 'ENODEV', 'decoder2.1 mode none, region committed');
});

test('§1.5 target: state > INTERLEAVE_ACTIVE (targets complete or committed) → EBUSY', (t) => {
  refused(t, attached(t), target, 'EBUSY', 'target0 again on an ACTIVE region');
  refused(t, committed(t), target, 'EBUSY', 'target0 on a committed region');
});

test('§1.5 target: size not yet set → ENXIO', (t) => {
  refused(t, apply(t, boot(), [create, gran, ways, mode, dpa]), target, 'ENXIO', 'no HPA yet');
});

test('§1.5 target: endpoint decoder without DPA → ENXIO', (t) => {
  refused(t, apply(t, boot(), [create, gran, ways, mode, size]), target, 'ENXIO', 'dpa_size 0');
});

test('§1.5 target: dpa_size × ways ≠ region size → EINVAL', (t) => {
  const s = apply(t, boot(), [create, gran, ways, mode, dpa, write('region0/size', 2 * SZ_256M)]);
  refused(t, s, target, 'EINVAL', '256 MiB of DPA for a 512 MiB region');
});

test('§1.5 target "" (detach) of an empty position succeeds and changes nothing', (t) => {
  const s = sized(t);
  const p = predict(s, write('region0/target0', ''));
  t.deepEqual(p.result, ['ok']);
  t.deepEqual(render(p.state), render(s));
});

// ---- §1.6 commit ----

test('§1.6 commit before all targets are attached (state < ACTIVE) → ENXIO', (t) => {
  refused(t, created(t), commit, 'ENXIO', 'fresh region');
  refused(t, sized(t), commit, 'ENXIO', 'HPA but no target');
});

test('§1.6 commit: kstrtobool parse error → EINVAL', (t) => {
  const s = attached(t);
  for (const v of ['maybe', 'o', '', '2']) refused(t, s, write('region0/commit', v), 'EINVAL', JSON.stringify(v));
});

test('§1.6 commit true on a committed region and false on an uncommitted one succeed without change', (t) => {
  const c = committed(t);
  const again = predict(c, commit);
  t.deepEqual(again.result, ['ok']);
  t.deepEqual(again.state, c);
  const a = attached(t);
  const off = predict(a, write('region0/commit', 0));
  t.deepEqual(off.result, ['ok']);
  t.deepEqual(off.state, a);
});

test('§1.6 kstrtobool spellings: y/Y/t/1/on commit, n/N/f/0/off decommit', (t) => {
  for (const v of ['y', 'Y', 't', 'T', '1', 'on', 'yes']) {
    t.is(render(predict(attached(t), write('region0/commit', v)).state)['cxl/region0/commit'], '1', v);
  }
  for (const v of ['n', 'N', 'f', 'F', '0', 'off', 'no']) {
    t.is(render(predict(committed(t), write('region0/commit', v)).state)['cxl/region0/commit'], '0', v);
  }
});

// ---- §0 / §1.7 binding ----

test('§1.7.2 bind of an uncommitted region → ENXIO', (t) => {
  refused(t, created(t), bind('region0'), 'ENXIO', 'fresh region');
  refused(t, attached(t), bind('region0'), 'ENXIO', 'targets attached, not committed');
});

test('§0 bind of a device that is already bound → EBUSY', (t) => {
  refused(t, bound(t), bind('region0'), 'EBUSY', 'second bind');
});

test('§0 bind of a name with no such device → ENODEV', (t) => {
  refused(t, committed(t), bind('region9'), 'ENODEV', 'region9');
});

test('§0 unbind of a device not bound to this driver → ENODEV', (t) => {
  refused(t, committed(t), unbind('region0'), 'ENODEV', 'committed, never bound');
  refused(t, boot(), unbind('region0'), 'ENODEV', 'no region at all');
});

// ---- §3 memory blocks and auto_online_blocks ----

test('§3 memoryM/state: unknown string → EINVAL', (t) => {
  const s = bound(t);
  for (const v of ['bogus', 'Online', 'going-offline', 'movable']) refused(t, s, memState(90, v), 'EINVAL', v);
});

test('§3 memoryM/state: offline an offline block → EINVAL', (t) => {
  refused(t, bound(t), memState(90, 'offline'), 'EINVAL', 'memory90 is offline');
});

test('§3 memoryM/state: online, online_kernel or online_movable on an online block → EINVAL', (t) => {
  const s = bound(t, 'online_movable');
  for (const v of ['online', 'online_kernel', 'online_movable']) refused(t, s, memState(91, v), 'EINVAL', v);
});

test('§3 auto_online_blocks: a value outside offline|online|online_kernel|online_movable → EINVAL', (t) => {
  const s = boot();
  for (const v of ['bogus', 'Online', 'movable', '']) refused(t, s, write(`${MEMORY}auto_online_blocks`, v), 'EINVAL', JSON.stringify(v));
});

test('§3 auto_online_blocks: the four values are accepted, a trailing newline too (sysfs_streq)', (t) => {
  for (const v of ['offline', 'online', 'online_kernel', 'online_movable']) {
    t.deepEqual(predict(boot(), write(`${MEMORY}auto_online_blocks`, v)).result, ['ok'], JSON.stringify(v));
  }
});

// BUG (harness/model/predict.ts writePath: `const v = value.trim()` for auto_online_blocks, and likewise for
// memoryM/state): §3 says the write is compared with sysfs_streq, which forgives only one trailing newline. A leading
// or trailing space is an unknown string → EINVAL; the model trims both ends and accepts it.
test('§3 auto_online_blocks: a leading space is not forgiven (sysfs_streq) → EINVAL', (t) => {
  refused(t, boot(), write(`${MEMORY}auto_online_blocks`, ' online'), 'EINVAL', '" online"');
});

test('§3 memhp_default_state: last one wins, invalid values are ignored, default is the build-time value', (t) => {
  t.is(bootOnlineType('console=ttyS0', 'offline'), 'offline');
  t.is(bootOnlineType('memhp_default_state=online_movable', 'offline'), 'online_movable');
  t.is(bootOnlineType('memhp_default_state=online memhp_default_state=online_kernel', 'offline'), 'online_kernel');
  t.is(bootOnlineType('memhp_default_state=online_movable memhp_default_state=bogus', 'offline'), 'online_movable');
  t.is(bootOnlineType('memhp_default_state=bogus', 'offline'), 'offline');
  t.is(bootOnlineType('memhp_default_state=', 'offline'), 'offline');
  t.is(bootOnlineType('xmemhp_default_state=online', 'offline'), 'offline');
  t.is(bootOnlineType('console=ttyS0 memhp_default_state=online panic=-1', 'offline'), 'online');
});

test('§3 memhp_default_state through a boot: last valid value decides how bound memory comes up', (t) => {
  const s = render(apply(t, boot('online_movable', undefined, 'memhp_default_state=bogus'), [...stockSetup, bind('region0')]));
  for (const b of [90, 91]) t.is(s[`memory/memory${b}/valid_zones`], 'Movable');
  const s2 = render(apply(t, boot(undefined, undefined, 'memhp_default_state=online_movable memhp_default_state=offline'), [...stockSetup, bind('region0')]));
  for (const b of [90, 91]) t.is(s2[`memory/memory${b}/state`], 'offline');
});

// ---- the `blocks` step (harness/scenario/types.ts: every block of a region, lowest first, stops at the first refusal) ----

test('blocks: the first refusal stops the walk; earlier blocks keep their new state', (t) => {
  const s = apply(t, bound(t), [memState(91, 'online_movable')]);
  const p = predict(s, blocks('region0', 'online_movable'));
  t.deepEqual(p.result, ['EINVAL'], 'memory91 is already online');
  t.is(render(p.state)['memory/memory90/state'], 'online');
});

test('blocks: refused on the first block changes nothing', (t) => {
  refused(t, apply(t, bound(t), [memState(90, 'online_movable')]), blocks('region0', 'online_movable'), 'EINVAL', 'memory90 already online');
  refused(t, bound(t), blocks('region0', 'bogus'), 'EINVAL', 'bogus state');
});

// BUG (harness/model/predict.ts, case 'blocks'): for a region with HPA but no memory blocks (committed, not bound) the
// model answers ok, as if there were nothing to do. The harness's perform() (harness/run/steps.ts) walks the region's
// resource range and writes memory90/state, which does not exist before kmem hot-adds the range (§2: memoryM devices
// appear when kmem adds the memory) → ENOENT; the model itself predicts ENOENT for that same direct write.
test('blocks of a committed but unbound region: memory90 does not exist → ENOENT, like a direct write', (t) => {
  const s = committed(t);
  t.deepEqual(predict(s, memState(90, 'online_movable')).result, ['ENOENT'], 'direct write');
  t.deepEqual(predict(s, blocks('region0', 'online_movable')).result, ['ENOENT'], 'blocks step');
});

test('every refusal above leaves the state unchanged: a spot check of the model state, not just its rendering', (t) => {
  const states: [string, ModelState][] = [['fresh', boot()], ['sized', sized(t)], ['bound', bound(t)]];
  for (const [name, s] of states) {
    const copy = structuredClone(s);
    predict(s, write('region0/interleave_ways', 5));
    predict(s, write('region0/size', 8 * GiB));
    predict(s, memState(90, 'bogus'));
    t.deepEqual(s, copy, `predict does not mutate its input (${name})`);
  }
});

// BUG (harness/model/region.ts writeRegionAttr 'interleave_ways': `r.targets = Array.from(…, () => '')` without
// detaching the endpoints): with ways 2, one target attached and the HPA freed again (size 0 is allowed below ACTIVE,
// §1.3), a new ways value empties every targetN in the model while decoder2.0 stays attached to region0 inside it. The
// rendered state then shows decoder2.0 in no region, yet its dpa_size 0 is refused EBUSY — which §1.4 allows only for a
// decoder that is in a region, committed, or not the highest allocated. Either target0 must keep reading decoder2.0
// (what the kernel's set_interleave_ways, which does not touch p->targets, suggests) or the free must succeed.
test('changing ways after freeing HPA keeps target0 and decoder2.0 consistent (§1.3, §1.4)', (t) => {
  const s = apply(t, boot(), [
    create,
    gran,
    write('region0/interleave_ways', 2),
    mode,
    dpa,
    write('region0/size', 2 * SZ_256M),
    target,
    write('region0/size', 0),
    write('region0/interleave_ways', 1),
  ]);
  const shown = render(s)['cxl/region0/target0'];
  const free = predict(s, write('decoder2.0/dpa_size', 0)).result;
  t.true(shown === 'decoder2.0' || (free?.length === 1 && free[0] === 'ok'), `target0 reads ${JSON.stringify(shown)} and freeing decoder2.0 gives ${free}`);
});
