// The dax bus: kmem and device_dax binding, new_id/remove_id, and what kmem's remove leaves behind (drivers/dax/bus.c, kmem.c).
import { hotAdd, hotRemove } from './memory.ts';
import type { Dax, ModelState } from './state.ts';

function regionOf(state: ModelState, d: Dax) {
  return state.regions.find((r) => r.name === d.region)!;
}

/** A driver matches by new_id first, then by type: KMEM-flagged regions only kmem, others only device_dax. */
function matches(d: Dax, driver: string): boolean {
  return d.ids.includes(driver) || (driver === 'kmem' ? d.kmemFlag : driver === 'device_dax' && !d.kmemFlag);
}

/** A probe that the bus runs (at creation, after new_id): failures are silent. */
function probe(state: ModelState, d: Dax, driver: 'kmem' | 'device_dax'): string {
  if (driver === 'kmem') {
    if (d.memoryHeld) return 'EBUSY';
    const r = regionOf(state, d);
    const root = state.roots.find((x) => x.name === r.root)!;
    hotAdd(state, r.name, r.resource!, r.size, root.node, d.onlineType ?? state.autoOnline);
    d.memoryHeld = true;
  } else if (d.memoryHeld) return 'EBUSY';
  d.driver = driver;
  return 'ok';
}

/** A dax_region with its daxN.0 appears and the bus attaches the first matching loaded driver. */
export function addDax(state: ModelState, d: Omit<Dax, 'driver' | 'ids' | 'memoryHeld'>): void {
  const dax: Dax = { ...d, ids: [], memoryHeld: false };
  state.dax.push(dax);
  const driver = dax.kmemFlag ? 'kmem' : 'device_dax';
  if (state.daxDrivers.includes(driver)) probe(state, dax, driver);
}

/** Region driver release: the dax_region and device go; kmem's remove takes the memory only if every block is offline. */
export function removeDax(state: ModelState, region: string): void {
  for (const d of state.dax.filter((x) => x.region === region)) {
    if (d.memoryHeld && !hotRemove(state, region)) {
      const r = regionOf(state, d);
      const owner = `${d.device} (leaked from ${region})`;
      // The blocks now belong to no region: a later region of the same name must not take them down.
      for (const b of state.blocks) if (b.region === region) b.region = owner;
      state.leaks.push({ region, device: d.device, start: r.resource!, size: r.size });
    }
  }
  state.dax = state.dax.filter((x) => x.region !== region);
}

export function bindDax(state: ModelState, driver: string, device: string): string {
  const d = state.dax.find((x) => x.device === device);
  if (!d || !matches(d, driver)) return 'ENODEV';
  if (d.driver) return 'EBUSY';
  return probe(state, d, driver as 'kmem' | 'device_dax');
}

export function unbindDax(state: ModelState, driver: string, device: string): string {
  const d = state.dax.find((x) => x.device === device);
  if (!d || d.driver !== driver) return 'ENODEV';
  if (driver === 'kmem' && hotRemove(state, d.region)) d.memoryHeld = false;
  delete d.driver;
  return 'ok';
}

/** new_id/remove_id take exactly "daxN.Y"; new_id then tries to attach an unbound device. */
export function writeDaxId(state: ModelState, driver: string, file: 'new_id' | 'remove_id', value: string): string {
  const name = value.trim();
  if (!/^dax\d+\.\d+$/.test(name)) return 'EINVAL';
  const d = state.dax.find((x) => x.device === name);
  if (file === 'remove_id') {
    if (d) d.ids = d.ids.filter((x) => x !== driver);
    return 'ok';
  }
  if (d && !d.ids.includes(driver)) d.ids.push(driver);
  if (d && !d.driver) probe(state, d, driver as 'kmem' | 'device_dax');
  return 'ok';
}
