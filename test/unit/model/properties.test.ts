// Property tests: random action sequences from the stock vocabulary (the writes of scenarios/stock/kmem.yaml with values
// from small sets, cxl_region bind/unbind, blocks and memoryM/state writes, auto_online_blocks) must never lead the model
// to a rendered state the documents rule out. The checks read only rendered snapshots, as the guest would show them.
//
// The brief's invariants, as stated, ignore one documented behaviour: kmem cannot remove memory while a block is online,
// so releasing the region driver then "succeeds" and leaves the blocks behind, leaked until reboot (§2, §4.7, §5.4). The
// checker below tracks such leaks from the snapshots and allows exactly those.
import { fileURLToPath } from 'node:url';
import test from 'ava';
import fc from 'fast-check';
import { predict } from '../../../harness/model/predict.ts';
import { render, type Snapshot } from '../../../harness/model/render.ts';
import { parseScenarioFile } from '../../../harness/scenario/load.ts';
import type { Action } from '../../../harness/scenario/types.ts';
import { defaultTopology } from '../../../harness/topology/default.ts';
import { bind, blocks, boot, MEMORY, memState, SZ_256M, unbind, withDeviceMiB, write } from './stock.ts';

const stock = (await parseScenarioFile(fileURLToPath(new URL('../../../scenarios/stock/kmem.yaml', import.meta.url)))).steps.map((s) => s.action);

const SEED = Number(process.env.FC_SEED ?? 20260129);
const RUNS = Number(process.env.FC_RUNS ?? 200);
const BLOCK = 128n << 20n; // block_size_bytes 8000000 on the observed guest
const KB_PER_BLOCK = 131072;
const ALL_ONES = '0xffffffffffffffff';

// ---- the vocabulary ----

const regionName = fc.constantFrom('region0', 'region1');
const decoder = fc.constantFrom('decoder2.0', 'decoder2.1');
const blockState = fc.constantFrom('online', 'online_movable', 'online_kernel', 'offline', 'bogus');
const noise: fc.Arbitrary<Action> = fc.oneof(
  fc.constantFrom('region0', 'region1', 'region2', 'x').map((v) => write('decoder0.0/create_ram_region', v)),
  regionName.map((v) => write('decoder0.0/delete_region', v)),
  fc.tuple(regionName, fc.constantFrom(256, 512, 300)).map(([r, v]) => write(`${r}/interleave_granularity`, v)),
  fc.tuple(regionName, fc.constantFrom(1, 2, 5)).map(([r, v]) => write(`${r}/interleave_ways`, v)),
  fc.tuple(regionName, fc.constantFrom(0, SZ_256M, 2 * SZ_256M, SZ_256M / 2, 32 * SZ_256M)).map(([r, v]) => write(`${r}/size`, v)),
  fc.tuple(regionName, fc.constantFrom('decoder2.0', 'decoder2.1', '', 'decoder9.9')).map(([r, v]) => write(`${r}/target0`, v)),
  fc.tuple(regionName, fc.constantFrom('0', '1', 'x')).map(([r, v]) => write(`${r}/commit`, v)),
  fc.tuple(decoder, fc.constantFrom('ram', 'pmem', 'bogus')).map(([d, v]) => write(`${d}/mode`, v)),
  fc.tuple(decoder, fc.constantFrom(0, SZ_256M, 2 * SZ_256M, SZ_256M / 2)).map(([d, v]) => write(`${d}/dpa_size`, v)),
  regionName.map((r) => bind(r)),
  regionName.map((r) => unbind(r)),
  fc.tuple(regionName, blockState).map(([r, v]) => blocks(r, v)),
  fc.tuple(fc.integer({ min: 90, max: 93 }), blockState).map(([b, v]) => memState(b, v)),
  fc.constantFrom('offline', 'online', 'online_kernel', 'online_movable').map((v) => write(`${MEMORY}auto_online_blocks`, v)),
);

/** One to two passes over kmem.yaml (the second shrinkable), each step kept with probability 0.95, followed by one or two random actions a third of the time. */
const extra = fc.oneof({ arbitrary: fc.constant([] as Action[]), weight: 2 }, { arbitrary: fc.array(noise, { minLength: 1, maxLength: 2 }), weight: 1 });
const stockPlan: fc.Arbitrary<Action[]> = fc
  .array(fc.record({ keep: fc.integer({ min: 0, max: 19 }).map((n) => n < 19), extra }), { minLength: stock.length, maxLength: 2 * stock.length })
  .map((plan) => plan.flatMap((p, i) => [...(p.keep ? [stock[i % stock.length]!] : []), ...p.extra]));

const sequence = fc.oneof({ arbitrary: stockPlan, weight: 3 }, { arbitrary: fc.array(noise, { maxLength: 40 }), weight: 1 });
const setup = fc.record({
  policy: fc.constantFrom('offline', 'online', 'online_movable', 'online_kernel', undefined),
  bigDevice: fc.boolean(),
});

// ---- reading a rendered snapshot ----

interface RegionView {
  name: string;
  id: number;
  driver: string;
  committed: boolean;
  resource?: bigint;
  size: bigint;
}

function regions(s: Snapshot): RegionView[] {
  return Object.keys(s)
    .filter((k) => /^cxl\/region\d+$/.test(k))
    .map((k) => {
      const name = k.slice(4);
      const res = s[`${k}/resource`];
      return {
        name,
        id: Number(name.slice(6)),
        driver: s[k]!,
        committed: s[`${k}/commit`] === '1',
        ...(res !== undefined && res !== ALL_ONES ? { resource: BigInt(res) } : {}),
        size: BigInt(s[`${k}/size`] ?? '0'),
      };
    });
}

function blockStates(s: Snapshot): Map<number, string> {
  const out = new Map<number, string>();
  for (const [k, v] of Object.entries(s)) {
    const m = /^memory\/memory(\d+)\/state$/.exec(k);
    if (m) out.set(Number(m[1]), v);
  }
  return out;
}

const rangeIds = (r: RegionView) => {
  const ids: number[] = [];
  if (r.resource === undefined) return ids;
  for (let a = r.resource; a < r.resource + r.size; a += BLOCK) ids.push(Number(a / BLOCK));
  return ids;
};

/** Blocks of regions that are bound with their dax device present: memory kmem holds for a live region. */
function live(s: Snapshot): Map<number, string> {
  const out = new Map<number, string>();
  for (const r of regions(s)) if (r.driver === 'cxl_region' && s[`dax/dax${r.id}.0`] !== undefined) for (const id of rangeIds(r)) out.set(id, r.name);
  return out;
}

// ---- invariants ----

type Kind = 'dax' | 'overlap' | 'blocks' | 'memtotal' | 'reuse';

/** §1.7: daxN.0 and dax_regionN exist only below a committed regionN bound to cxl_region. */
function daxChain(s: Snapshot): string[] {
  const out: string[] = [];
  for (const k of Object.keys(s)) {
    const m = /^dax\/dax(\d+)\.0$/.exec(k) ?? /^cxl\/dax_region(\d+)$/.exec(k);
    if (!m) continue;
    const r = `cxl/region${m[1]}`;
    if (s[r] !== 'cxl_region' || s[`${r}/commit`] !== '1') out.push(`${k} without a committed, bound region${m[1]} (driver ${s[r]}, commit ${s[`${r}/commit`]})`);
    if (k.startsWith('dax/') && s[`cxl/dax_region${m[1]}`] === undefined) out.push(`${k} without cxl/dax_region${m[1]}`);
  }
  return out;
}

/** §1.3: HPA comes from free space in the window, so two regions never overlap. */
function disjoint(s: Snapshot): string[] {
  const rs = regions(s).filter((r) => r.resource !== undefined);
  const out: string[] = [];
  for (const [i, a] of rs.entries())
    for (const b of rs.slice(i + 1)) if (a.resource! < b.resource! + b.size && b.resource! < a.resource! + a.size) out.push(`${a.name} and ${b.name} overlap`);
  return out;
}

/** §3: MemTotal counts online blocks only; the node exists while it has blocks. */
function memTotal(s: Snapshot): string[] {
  const bs = blockStates(s);
  const online = [...bs.values()].filter((v) => v === 'online').length;
  const out: string[] = [];
  const total = s['node/node1/MemTotal'];
  if (bs.size > 0 && total === undefined) out.push('blocks exist but node1 has no meminfo');
  if (total !== undefined && total !== String(online * KB_PER_BLOCK)) out.push(`node1 MemTotal ${total} with ${online} online blocks`);
  return out;
}

interface Track {
  leaked: Set<number>;
}

/**
 * §2: memory blocks appear when kmem hot-adds a bound region's range and go when the region driver is released with all
 * of them offline; with any block online, removal fails and every block of that range stays, leaked until reboot (§2
 * "cannot be hotremoved until the next reboot"). Leaked memory stays busy "System RAM": a later bind over it creates no
 * dax_region (§1.7.2) and a new region is placed elsewhere (§5.4, INFERRED) — reported as kind 'reuse'.
 */
function blockRules(prev: Snapshot, next: Snapshot, track: Track): { kind: Kind; msg: string }[] {
  const out: { kind: Kind; msg: string }[] = [];
  const before = blockStates(prev);
  const after = blockStates(next);
  const liveBefore = live(prev);
  const liveAfter = live(next);
  const leaked = new Set<number>();
  for (const id of after.keys()) {
    if (track.leaked.has(id)) {
      if (liveAfter.has(id)) out.push({ kind: 'reuse', msg: `leaked memory${id} hot-added again for ${liveAfter.get(id)}` });
      leaked.add(id);
    } else if (!liveAfter.has(id)) {
      const owner = liveBefore.get(id);
      if (!before.has(id) || owner === undefined) out.push({ kind: 'blocks', msg: `memory${id} exists outside any bound region` });
      else {
        const siblings = [...liveBefore].filter(([, r]) => r === owner).map(([b]) => b);
        if (!siblings.some((b) => before.get(b) === 'online')) out.push({ kind: 'blocks', msg: `memory${id} stayed after ${owner} was released with all blocks offline` });
        leaked.add(id);
      }
    }
  }
  for (const id of track.leaked) if (!after.has(id)) out.push({ kind: 'reuse', msg: `leaked memory${id} vanished` });
  for (const [id, r] of liveAfter) if (!after.has(id)) out.push({ kind: 'blocks', msg: `${r} is bound with dax but memory${id} of its range is missing` });
  // A region that gets HPA in this step must not be placed over leaked memory.
  const hadHpa = new Set(regions(prev).filter((r) => r.resource !== undefined).map((r) => r.name));
  for (const r of regions(next).filter((x) => x.resource !== undefined && !hadHpa.has(x.name)))
    for (const id of rangeIds(r)) if (leaked.has(id)) out.push({ kind: 'reuse', msg: `${r.name} placed over leaked memory${id}` });
  track.leaked = leaked;
  return out;
}

interface Violation {
  step: number;
  action: Action;
  kind: Kind;
  msg: string;
}

function run(policy: string | undefined, bigDevice: boolean, actions: Action[]): { violations: Violation[]; results: string[] } {
  let state = boot(policy, bigDevice ? withDeviceMiB(1024) : defaultTopology);
  let snap = render(state);
  const track: Track = { leaked: new Set() };
  const violations: Violation[] = [];
  const results: string[] = [];
  for (const [i, action] of actions.entries()) {
    const p = predict(state, action);
    const next = render(p.state);
    results.push(...(p.result ?? ['gap']));
    const add = (kind: Kind, msgs: string[]) => violations.push(...msgs.map((msg) => ({ step: i + 1, action, kind, msg })));
    add('dax', daxChain(next));
    add('overlap', disjoint(next));
    add('memtotal', memTotal(next));
    for (const v of blockRules(snap, next, track)) add(v.kind, [v.msg]);
    state = p.state;
    snap = next;
  }
  return { violations, results };
}

/** Violations of `kinds`; with `untilReuse`, only those before the first step that re-uses leaked memory. */
function check(kinds: Kind[], untilReuse: boolean) {
  return fc.property(setup, sequence, ({ policy, bigDevice }, actions) => {
    let { violations } = run(policy, bigDevice, actions);
    if (untilReuse) {
      const first = violations.find((v) => v.kind === 'reuse')?.step;
      if (first !== undefined) violations = violations.filter((v) => v.step < first);
    }
    const bad = violations.filter((v) => kinds.includes(v.kind));
    if (bad.length) throw new Error(bad.slice(0, 3).map((v) => `step ${v.step} ${JSON.stringify(v.action)}: ${v.msg}`).join('\n'));
  });
}

const opts = { seed: SEED, numRuns: RUNS, includeErrorInReport: true };

test('no dax device or dax_region without a committed region bound to cxl_region (§1.7)', (t) => {
  fc.assert(check(['dax'], false), opts);
  t.pass();
});

test('no two regions have overlapping resources (§1.3)', (t) => {
  fc.assert(check(['overlap'], false), opts);
  t.pass();
});

test('memory blocks exist only for bound regions, or as documented leaks; node1 MemTotal = online blocks × 131072 (§2, §3) — up to the first re-use of leaked memory', (t) => {
  fc.assert(check(['blocks', 'memtotal'], true), opts);
  t.pass();
});

// BUG (harness/model/dax.ts removeDax + addDax, harness/model/region.ts bindRegion): when the region driver is released
// while a block is online, kmem's removal fails and the memory stays (§2) — the model keeps the blocks but drops every
// trace of the held memory with the dax entry. A later bind of the same region then hot-adds the same range again
// (duplicate memory90/91 in the model, MemTotal doubled), where §1.7.2 says cxl_region's probe finds busy System RAM in
// the range and creates no dax_region; and a region re-created after delete_region is given the leaked range again,
// where §5.4 (INFERRED) says it is placed elsewhere or fails ERANGE. Deterministic cases in leak.test.ts.
test('leaked memory is never hot-added again nor handed to a new region (§1.7.2, §5.4)', (t) => {
  fc.assert(check(['reuse'], false), opts);
  t.pass();
});

test('node1 MemTotal = online blocks × 131072 on every sequence, leaks included (§3)', (t) => {
  fc.assert(check(['memtotal'], false), opts);
  t.pass();
});

test('a refused action changes nothing (except the documented dpa_size free-then-fail and a partly done blocks walk)', (t) => {
  fc.assert(
    fc.property(setup, sequence, ({ policy, bigDevice }, actions) => {
      let state = boot(policy, bigDevice ? withDeviceMiB(1024) : defaultTopology);
      for (const action of actions) {
        const before = render(state);
        const p = predict(state, action);
        if (JSON.stringify(render(state)) !== JSON.stringify(before)) throw new Error(`predict mutated its input on ${JSON.stringify(action)}`);
        const partly = action.kind === 'blocks' || (action.kind === 'write' && /\/dpa_size$/.test(action.path) && before[`cxl/${action.path.split('/')[5]}/dpa_size`] !== '0x0000000000000000');
        if (p.result && !p.result.includes('ok') && !partly) {
          const after = render(p.state);
          if (JSON.stringify(after) !== JSON.stringify(before)) throw new Error(`${JSON.stringify(action)} refused ${p.result} but changed the state`);
        }
        state = p.state;
      }
    }),
    opts,
  );
  t.pass();
});

test('results stay within the errnos the documents give for this vocabulary', (t) => {
  const allowed = new Set(['ok', 'EINVAL', 'EBUSY', 'ENXIO', 'ERANGE', 'ENOSPC', 'ENODEV', 'ENOENT', 'gap']);
  fc.assert(
    fc.property(setup, sequence, ({ policy, bigDevice }, actions) => {
      const { results } = run(policy, bigDevice, actions);
      const odd = results.filter((r) => !allowed.has(r));
      if (odd.length) throw new Error(`unexpected results ${odd.join(', ')}`);
    }),
    opts,
  );
  t.pass();
});

test('the generator reaches the interesting states: bound regions with online blocks, leaks, and refusals', (t) => {
  // Guards the properties above against a vocabulary that never gets anywhere.
  const samples = fc.sample(fc.tuple(setup, sequence), { seed: SEED, numRuns: RUNS });
  let bound = 0;
  let online = 0;
  for (const [{ policy, bigDevice }, actions] of samples) {
    let state = boot(policy, bigDevice ? withDeviceMiB(1024) : defaultTopology);
    let sawBound = false;
    let sawOnline = false;
    for (const a of actions) {
      state = predict(state, a).state;
      const s = render(state);
      if (Object.keys(s).some((k) => /^dax\/dax\d+\.0$/.test(k))) sawBound = true;
      if (Object.entries(s).some(([k, v]) => /^memory\/memory\d+\/state$/.test(k) && v === 'online')) sawOnline = true;
    }
    if (sawBound) bound++;
    if (sawOnline) online++;
  }
  t.log(`${bound}/${samples.length} sequences bind a region, ${online} online a block`);
  t.true(bound > samples.length / 4);
  t.true(online > samples.length / 8);
});
