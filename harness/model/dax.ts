// The dax bus: kmem and device_dax binding, new_id/remove_id, and what kmem's remove leaves behind (drivers/dax/bus.c, kmem.c).
import { accept, refuse, type Result } from './facts.ts';
import { hotAdd, hotRemove } from './memory.ts';
import { initialDaxAttrs } from './series/apply.ts';
import type { Dax, ModelState, OnlineType } from './state.ts';

function regionOf(state: ModelState, d: Dax) {
  return state.regions.find((r) => r.name === d.region)!;
}

/** A driver matches by new_id first, then by type: KMEM-flagged regions only kmem, others only device_dax. */
function matches(d: Dax, driver: string): boolean {
  return d.ids.includes(driver) || (driver === 'kmem' ? d.kmemFlag : driver === 'device_dax' && !d.kmemFlag);
}

/** The online type kmem hot-adds with: the one the dax device was created with, else the global default now. */
export function kmemOnlineType(state: ModelState, d: Dax): OnlineType {
  return d.onlineType ?? state.autoOnline;
}

/** A probe the bus runs (at creation, after new_id, on bind). */
function probe(state: ModelState, d: Dax, driver: 'kmem' | 'device_dax'): Result {
  // Both drivers reserve the device's range: memory still held (a leak) makes the reservation collide.
  if (d.memoryHeld) return refuse('dax.bind.range-busy');
  if (driver === 'kmem') {
    const r = regionOf(state, d);
    const root = state.roots.find((x) => x.name === r.root)!;
    const type = kmemOnlineType(state, d);
    hotAdd(state, r.name, r.resource!, r.size, root.node, type);
    d.memoryHeld = true;
    d.attrs = initialDaxAttrs(state, 'kmem', type);
  } else d.attrs = initialDaxAttrs(state, 'device_dax', kmemOnlineType(state, d));
  d.driver = driver;
  return accept();
}

/** A dax_region with its daxN.0 appears and the bus attaches the first matching loaded driver (failures are silent). */
export function addDax(state: ModelState, d: Omit<Dax, 'driver' | 'ids' | 'memoryHeld' | 'attrs'>): void {
  const dax: Dax = { ...d, ids: [], memoryHeld: false, attrs: {} };
  state.dax.push(dax);
  const driver = dax.kmemFlag ? 'kmem' : 'device_dax';
  if (state.autoprobe.dax && state.daxDrivers.includes(driver)) probe(state, dax, driver);
}

/** /sys/bus/dax/drivers_probe: the bus offers an unbound device to its drivers; one matches by type or new_id. */
export function probeDax(state: ModelState, device: string): Result {
  const d = state.dax.find((x) => x.device === device);
  if (!d) return refuse('probe.no-device');
  if (d.driver) return accept('probe.attach');
  const driver = (['kmem', 'device_dax'] as const).find((x) => state.daxDrivers.includes(x) && matches(d, x));
  if (driver) probe(state, d, driver);
  return accept('probe.attach');
}

/** The dax_region's parent goes: the device and region go; kmem's remove takes the memory only if every block is offline. */
export function removeDax(state: ModelState, parent: string): void {
  for (const d of state.dax.filter((x) => x.parent === parent)) {
    if (d.memoryHeld && !hotRemove(state, d.region)) {
      const r = regionOf(state, d);
      const owner = `${d.device} (leaked from ${d.region})`;
      // The blocks now belong to no region: a later region of the same name must not take them down.
      for (const b of state.blocks) if (b.region === d.region) b.region = owner;
      state.leaks.push({ region: d.region, device: d.device, start: r.resource!, size: r.size });
    }
  }
  state.dax = state.dax.filter((x) => x.parent !== parent);
}

export function bindDax(state: ModelState, driver: string, device: string): Result {
  const d = state.dax.find((x) => x.device === device);
  if (!d || !matches(d, driver)) return refuse('bind.no-match');
  if (d.driver) return refuse('bind.already-bound');
  return probe(state, d, driver as 'kmem' | 'device_dax');
}

export function unbindDax(state: ModelState, driver: string, device: string): Result {
  const d = state.dax.find((x) => x.device === device);
  if (!d || d.driver !== driver) return refuse('unbind.not-bound');
  if (driver === 'kmem' && hotRemove(state, d.region)) d.memoryHeld = false;
  delete d.driver;
  d.attrs = {};
  return accept();
}

/** new_id/remove_id take exactly "daxN.Y"; new_id then tries to attach an unbound device. */
export function writeDaxId(state: ModelState, driver: string, file: 'new_id' | 'remove_id', value: string): Result {
  const name = value.replace(/\n$/, '');
  if (!/^dax\d+\.\d+$/.test(name)) return refuse('dax.id.format');
  const d = state.dax.find((x) => x.device === name);
  if (file === 'remove_id') {
    if (d) d.ids = d.ids.filter((x) => x !== driver);
    return accept();
  }
  if (d && !d.ids.includes(driver)) d.ids.push(driver);
  if (d && !d.driver) probe(state, d, driver as 'kmem' | 'device_dax');
  return accept();
}
