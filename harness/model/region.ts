// Region creation, geometry, size, uuid, commit and deletion (drivers/cxl/core/region.c), in the kernel's order of checks.
import { accept, refuse, type Result } from './facts.ts';
import { detachTarget } from './attach.ts';
import { releaseRegionDriver } from './binding.ts';
import { INT_MAX, isPow2, outOfRange, parseKernelBool, parseKernelInt, sysfsStreq, U64_MAX } from './parse.ts';
import { allocateId, SZ_256M, type Mode, type ModelState, type Region, type RootDecoder } from './state.ts';

/** ways_to_eiw: the interleave ways the CXL spec encodes. */
const WAYS = [1, 2, 3, 4, 6, 8, 12, 16];

export function rootOf(state: ModelState, r: Region): RootDecoder {
  return state.roots.find((x) => x.name === r.root)!;
}

export function createRegion(state: ModelState, root: RootDecoder, mode: Mode, value: string): Result {
  // sscanf(buf, "region%d\n"): trailing text after the number is ignored.
  const m = /^region\s*([+-]?\d+)/.exec(value);
  if (!m) return refuse('create.name-format');
  const id = Number(m[1]);
  if (id !== root.nextId) return refuse('create.id-mismatch');
  state.regions.push({ id, name: `region${id}`, root: root.name, mode, uuid: mode === 'pmem' ? NULL_UUID : '', ways: 0, granularity: 0, size: 0n, targets: [], state: 'idle' });
  root.nextId = allocateId(state.usedIds);
  state.usedIds.push(root.nextId);
  return accept();
}

/** delete_region_store: no check of binding or commit state; the region unregisters and takes everything below with it. */
export function deleteRegion(state: ModelState, root: RootDecoder, value: string): Result {
  if (!/^region\s*[+-]?\d+/.test(value)) return refuse('delete.name-format');
  const r = state.regions.find((x) => x.root === root.name && sysfsStreq(value, x.name));
  if (!r) return refuse('delete.no-such-region');
  // The ABI says delete is for idle regions; the code checks nothing and tears a bound, committed region down.
  const busy = r.driver !== undefined || r.state === 'commit';
  releaseRegionDriver(state, r);
  r.targets.forEach((t, pos) => t && detachTarget(state, r, pos));
  state.regions = state.regions.filter((x) => x !== r);
  // cxl_region_release: a lower id replaces the cached next id, which is freed instead.
  const freed = r.id < root.nextId ? root.nextId : r.id;
  if (r.id < root.nextId) root.nextId = r.id;
  state.usedIds = state.usedIds.filter((i) => i !== freed);
  return accept(busy ? 'delete.not-idle' : undefined);
}

export function writeWays(state: ModelState, r: Region, value: string): Result {
  const v = parseKernelInt(value);
  if (v === undefined) return refuse('ways.unparsable');
  if (outOfRange(v, INT_MAX)) return refuse('ways.range');
  const n = Number(v);
  if (!WAYS.includes(n)) return refuse('ways.unsupported');
  const rootWays = rootOf(state, r).targets.length;
  if (n % rootWays !== 0 || !isPow2(n / rootWays)) return refuse('ways.root-multiple');
  if (r.state !== 'idle') return refuse('ways.busy');
  r.ways = n;
  r.targets = Array.from({ length: n }, (_, i) => r.targets[i] ?? '');
  return accept();
}

export function writeGranularity(state: ModelState, r: Region, value: string): Result {
  const v = parseKernelInt(value);
  if (v === undefined) return refuse('granularity.unparsable');
  if (outOfRange(v, INT_MAX)) return refuse('granularity.range');
  const n = Number(v);
  if (!isPow2(n) || n < 256 || n > 16384) return refuse('granularity.unsupported');
  const root = rootOf(state, r);
  if (root.targets.length > 1 && n !== root.granularity) return refuse('granularity.root-mismatch');
  if (r.state !== 'idle') return refuse('granularity.busy');
  r.granularity = n;
  return accept();
}

export function writeSize(state: ModelState, r: Region, value: string): Result {
  const v = parseKernelInt(value);
  if (v === undefined) return refuse('size.unparsable');
  if (outOfRange(v, U64_MAX)) return refuse('size.range');
  if (v === 0n) {
    if (r.resource === undefined) return accept();
    if (r.state === 'active' || r.state === 'commit') return refuse('size.free-active');
    delete r.resource;
    r.size = 0n;
    r.state = 'idle';
    return accept();
  }
  if (r.resource !== undefined) return v === r.size ? accept() : refuse('size.change');
  if (!r.ways || !r.granularity) return refuse('size.geometry-unset');
  if (r.mode === 'pmem' && r.uuid === NULL_UUID) return refuse('size.uuid-unset');
  if (v % (SZ_256M * BigInt(r.ways)) !== 0n) return refuse('size.multiple');
  const root = rootOf(state, r);
  const taken = [
    ...state.regions.filter((x) => x.root === root.name && x.resource !== undefined).map((x) => [x.resource!, x.resource! + x.size] as const),
    ...state.leaks.map((l) => [l.start, l.start + l.size] as const),
  ];
  // The lowest free 256 MiB-aligned range of the window (alloc_free_mem_region searches upwards).
  for (let a = root.start; a + v <= root.start + root.size; a += SZ_256M) {
    if (taken.every(([s, e]) => a + v <= s || a >= e)) {
      r.resource = a;
      r.size = v;
      r.state = 'interleave_active';
      return accept();
    }
  }
  return refuse('size.no-space');
}

/** A pmem region's uuid until one is written (uuid_show of a zeroed uuid_t). */
export const NULL_UUID = '00000000-0000-0000-0000-000000000000';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** uuid_store (pmem regions; RAM regions show uuid read-only). `value` carries echo's newline: the length check counts it. */
export function writeUuid(state: ModelState, r: Region, value: string): Result {
  if (value.length !== 37) return refuse('uuid.length');
  const u = value.slice(0, 36);
  if (!UUID.test(u)) return refuse('uuid.parse');
  const lower = u.toLowerCase();
  if (lower === NULL_UUID) return refuse('uuid.null');
  if (r.uuid === lower) return accept();
  if (r.state === 'active' || r.state === 'commit') return refuse('uuid.busy');
  if (state.regions.some((x) => x.uuid === lower)) return refuse('uuid.duplicate');
  r.uuid = lower;
  return accept();
}

export function writeCommit(state: ModelState, r: Region, value: string): Result {
  const v = parseKernelBool(value);
  if (v === undefined) return refuse('commit.unparsable');
  if (v) {
    if (r.state === 'commit') return accept();
    if (r.state !== 'active') return refuse('commit.not-active');
    commitDecoders(state, r);
    r.state = 'commit';
    return accept('commit.programs-decoders');
  }
  // Memory in the range is online: the documents say the software stack goes first (see the fact).
  if (r.state === 'commit' && state.blocks.some((b) => b.region === r.name && b.online)) return refuse('decommit.memory-online');
  // Not committed: queue_reset has nothing to do; the driver release still runs, harmlessly.
  releaseRegionDriver(state, r);
  if (r.state === 'commit') resetDecoders(state, r);
  return accept();
}

/** cxl_region_decode_commit: endpoint and port decoders of the region become committed (passthrough ones stay not). */
function commitDecoders(state: ModelState, r: Region): void {
  for (const e of state.endpoints) for (const d of e.decoders) if (d.region === r.name) d.committed = true;
  for (const p of state.ports) for (const d of p.decoders) if (d.region === r.name && !p.passthrough) d.committed = true;
}

/** cxl_region_decode_reset: decoders uncommitted, state back to ACTIVE. */
export function resetDecoders(state: ModelState, r: Region): void {
  for (const e of state.endpoints) for (const d of e.decoders) if (d.region === r.name) d.committed = false;
  for (const p of state.ports) for (const d of p.decoders) if (d.region === r.name) d.committed = false;
  r.state = 'active';
}
