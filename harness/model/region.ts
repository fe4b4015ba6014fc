// Region and decoder sysfs writes (drivers/cxl/core/region.c, hdm.c), each refusal with its documented errno.
import { addDax, removeDax } from './dax.ts';
import { allocateId, SZ_256M, type EndpointDecoder, type ModelState, type Region, type RegionDriver } from './state.ts';

const WAYS = [1, 2, 3, 4, 6, 8, 12, 16];
const isPow2 = (n: number) => n > 0 && (n & (n - 1)) === 0;

/** kstrtouint/kstrtou64 with base 0: decimal, 0x-hex or 0-octal, an optional trailing newline. */
export function parseKernelInt(v: string): bigint | undefined {
  const s = v.replace(/\n$/, '');
  if (/^0x[0-9a-f]+$/i.test(s)) return BigInt(s);
  if (/^0[0-7]*$/.test(s)) return BigInt(`0o${s.slice(1) || '0'}`);
  if (/^[1-9][0-9]*$/.test(s)) return BigInt(s);
  return undefined;
}

/** kstrtobool: first character decides; "on"/"off" need the second. */
export function parseKernelBool(v: string): boolean | undefined {
  const s = v.toLowerCase();
  if (/^[y1t]/.test(s) || s.startsWith('on')) return true;
  if (/^[n0f]/.test(s) || s.startsWith('of')) return false;
  return undefined;
}

function rootOf(state: ModelState, r: Region) {
  return state.roots.find((x) => x.name === r.root)!;
}

/** Region driver release: everything below goes (sysram_regionN, dax_regionN, daxN.0); kmem removes the memory only if all blocks are offline. */
export function releaseDriver(state: ModelState, r: Region): void {
  if (!r.driver) return;
  removeDax(state, r.name);
  state.sysram = state.sysram.filter((x) => x.region !== r.name);
  delete r.driver;
}

function decommit(state: ModelState, r: Region): void {
  releaseDriver(state, r);
  r.committed = false;
}

export function createRegion(state: ModelState, rootName: string, value: string): string {
  const root = state.roots.find((x) => x.name === rootName)!;
  const m = /^region(\d+)$/.exec(value.trim());
  if (!m) return 'EINVAL';
  const id = Number(m[1]);
  if (id !== root.nextId) return 'EBUSY';
  state.regions.push({ id, name: value.trim(), root: root.name, ways: 0, granularity: 0, size: 0n, targets: [], committed: false });
  root.nextId = allocateId(state.usedIds);
  state.usedIds.push(root.nextId);
  return 'ok';
}

export function deleteRegion(state: ModelState, rootName: string, value: string): string {
  const root = state.roots.find((x) => x.name === rootName)!;
  if (!/^region\d+$/.test(value.trim())) return 'EINVAL';
  const r = state.regions.find((x) => x.name === value.trim() && x.root === rootName);
  if (!r) return 'ENODEV';
  releaseDriver(state, r);
  for (const t of r.targets) detachEndpoint(state, t);
  state.regions = state.regions.filter((x) => x !== r);
  // cxl_region_release: a lower id replaces the cached next id, which is freed instead.
  const freed = r.id < root.nextId ? root.nextId : r.id;
  if (r.id < root.nextId) root.nextId = r.id;
  state.usedIds = state.usedIds.filter((i) => i !== freed);
  return 'ok';
}

function detachEndpoint(state: ModelState, name: string | undefined): void {
  const e = state.endpoints.find((x) => x.name === name);
  if (e) delete e.region;
}

export function writeRegionAttr(state: ModelState, r: Region, attr: string, value: string): string | undefined {
  const hasHpa = r.resource !== undefined;
  const active = r.ways > 0 && r.targets.length === r.ways && r.targets.every(Boolean);
  switch (attr) {
    case 'interleave_ways': {
      const v = parseKernelInt(value);
      const rootWays = rootOf(state, r).ways;
      if (v === undefined || !WAYS.includes(Number(v))) return 'EINVAL';
      if (Number(v) % rootWays !== 0 || !isPow2(Number(v) / rootWays)) return 'EINVAL';
      if (hasHpa) return 'EBUSY';
      r.ways = Number(v);
      r.targets = Array.from({ length: r.ways }, (_, i) => r.targets[i] ?? '');
      return 'ok';
    }
    case 'interleave_granularity': {
      const v = parseKernelInt(value);
      if (v === undefined || !isPow2(Number(v)) || v < 256n || v > 16384n) return 'EINVAL';
      const root = rootOf(state, r);
      if (root.ways > 1 && Number(v) !== root.granularity) return 'EINVAL';
      if (hasHpa) return 'EBUSY';
      r.granularity = Number(v);
      return 'ok';
    }
    case 'size':
      return writeSize(state, r, value, active);
    case 'commit': {
      const v = parseKernelBool(value);
      if (v === undefined) return 'EINVAL';
      if (v) {
        if (r.committed) return 'ok';
        if (!active) return 'ENXIO';
        r.committed = true;
      } else if (r.committed) decommit(state, r);
      return 'ok';
    }
  }
  const t = /^target(\d+)$/.exec(attr);
  if (t && Number(t[1]) < r.ways) return writeTarget(state, r, Number(t[1]), value.trim(), active);
  return undefined;
}

function writeSize(state: ModelState, r: Region, value: string, active: boolean): string {
  const v = parseKernelInt(value);
  if (v === undefined) return 'EINVAL';
  if (v === 0n) {
    if (r.resource === undefined) return 'ok';
    if (active || r.committed) return 'EBUSY';
    delete r.resource;
    r.size = 0n;
    return 'ok';
  }
  if (r.resource !== undefined) return v === r.size ? 'ok' : 'EBUSY';
  if (r.ways === 0 || r.granularity === 0) return 'ENXIO';
  if (v % (SZ_256M * BigInt(r.ways)) !== 0n) return 'EINVAL';
  const root = rootOf(state, r);
  const taken = [
    ...state.regions.filter((x) => x.root === root.name && x.resource !== undefined).map((x) => [x.resource!, x.resource! + x.size] as const),
    ...state.leaks.map((l) => [l.start, l.start + l.size] as const),
  ];
  // Lowest free 256 MiB-aligned range in the window (kernel/resource.c get_free_mem_region, ascending).
  for (let a = root.start; a + v <= root.start + root.size; a += SZ_256M) {
    if (taken.every(([s, e]) => a + v <= s || a >= e)) {
      r.resource = a;
      r.size = v;
      return 'ok';
    }
  }
  return 'ERANGE';
}

function writeTarget(state: ModelState, r: Region, pos: number, value: string, active: boolean): string {
  if (value === '') {
    const current = r.targets[pos];
    if (current) {
      if (r.committed) decommit(state, r);
      detachEndpoint(state, current);
      r.targets[pos] = '';
    }
    return 'ok';
  }
  const e = state.endpoints.find((x) => x.name === value);
  // A cxl device that is not an endpoint decoder: regions, root decoders, switch/host-bridge decoders.
  if (!e) return isCxlDevice(state, value) ? 'EINVAL' : 'ENODEV';
  if (e.mode === 'none') return 'ENODEV';
  if (e.mode !== 'ram') return 'EINVAL';
  if (active || r.committed) return 'EBUSY';
  if (r.resource === undefined) return 'ENXIO';
  if (e.dpaSize === 0n) return 'ENXIO';
  if (e.dpaSize * BigInt(r.ways) !== r.size) return 'EINVAL';
  if (r.targets[pos]) return 'EBUSY';
  if (e.region) return 'EBUSY';
  r.targets[pos] = e.name;
  e.region = r.name;
  return 'ok';
}

/** Devices on the cxl bus the model knows besides endpoint decoders: regions, root decoders and the host bridges' decoders. */
function isCxlDevice(state: ModelState, name: string): boolean {
  if (state.regions.some((x) => x.name === name) || state.roots.some((x) => x.name === name)) return true;
  const hb = /^decoder(\d+)\.0$/.exec(name);
  return hb !== null && Number(hb[1]) >= 1 && Number(hb[1]) <= state.hostBridges;
}

const portOf = (name: string) => name.split('.')[0]!;
const indexOf = (name: string) => Number(name.split('.')[1]);

export function writeEndpointAttr(state: ModelState, e: EndpointDecoder, attr: string, value: string): string | undefined {
  const committed = e.region !== undefined && state.regions.some((r) => r.name === e.region && r.committed);
  if (attr === 'mode') {
    const v = value.trim();
    if (v !== 'ram' && v !== 'pmem') return 'EINVAL';
    if (committed) return 'EBUSY';
    // QEMU's volatile-only device has a zero-sized pmem partition.
    if (v === 'pmem') return 'ENXIO';
    e.mode = v;
    return 'ok';
  }
  if (attr !== 'dpa_size') return undefined;
  const v = parseKernelInt(value);
  if (v === undefined || v % SZ_256M !== 0n) return 'EINVAL';
  const siblings = state.endpoints.filter((x) => portOf(x.name) === portOf(e.name));
  if (e.dpaSize > 0n) {
    if (e.region || committed) return 'EBUSY';
    const highest = Math.max(...siblings.filter((x) => x.dpaSize > 0n).map((x) => indexOf(x.name)));
    if (indexOf(e.name) !== highest) return 'EBUSY';
    e.dpaSize = 0n;
  }
  if (v === 0n) return 'ok';
  if (e.region) return 'EBUSY';
  if (e.mode === 'none') return 'EBUSY';
  const used = siblings.reduce((s, x) => s + x.dpaSize, 0n);
  if (v > e.ramBytes - used) return 'ENOSPC';
  const last = Math.max(-1, ...siblings.filter((x) => x.dpaSize > 0n).map((x) => indexOf(x.name)));
  if (indexOf(e.name) !== last + 1) return 'EBUSY';
  e.dpaSize = v;
  return 'ok';
}

/**
 * The region drivers' probes. cxl_region: a KMEM dax_region whose daxN.0 kmem binds with the global policy (§1.7);
 * cxl_devdax_region: a device-mode dax_region, daxN.0 → device_dax (§4.4); cxl_sysram_region: sysram_regionN,
 * online_type invalid, nothing below until cxl_dax_kmem_region binds it (§4.5).
 */
export function bindRegion(state: ModelState, r: Region, driver: RegionDriver): string {
  if (r.driver) return 'EBUSY';
  if (!r.committed) return 'ENXIO';
  r.driver = driver;
  const dax = { region: r.name, id: r.id, device: `dax${r.id}.0` };
  // Busy System RAM in the range (a leak): the bind succeeds but no dax_region is created (region.c cxl_region_probe).
  const busy = state.leaks.some((l) => l.start < r.resource! + r.size && r.resource! < l.start + l.size);
  if (driver === 'cxl_region') {
    if (!busy) addDax(state, { ...dax, kmemFlag: true });
  }
  else if (driver === 'cxl_devdax_region') addDax(state, { ...dax, kmemFlag: false });
  else state.sysram.push({ region: r.name, id: r.id, onlineType: 'invalid' });
  return 'ok';
}
