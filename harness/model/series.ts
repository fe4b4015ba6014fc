// The "explicit DAX driver selection" series: sysram_regionN/online_type and the cxl_dax_kmem_region bind (§4.5–4.7).
import { addDax, removeDax } from './dax.ts';
import type { ModelState } from './state.ts';

const ONLINE_TYPES = ['offline', 'online', 'online_movable'] as const;

/** Exactly offline, online, online_movable; anything else (online_kernel, invalid) → EINVAL; no state check. */
export function writeOnlineType(state: ModelState, sysram: string, value: string): string {
  const s = state.sysram.find((x) => `sysram_region${x.id}` === sysram)!;
  const v = value.trim();
  if (!(ONLINE_TYPES as readonly string[]).includes(v)) return 'EINVAL';
  s.onlineType = v as (typeof ONLINE_TYPES)[number];
  return 'ok';
}

/** cxl_dax_kmem_region matches only sysram devices; `invalid` makes its probe fail ENODEV. */
export function bindDaxKmemRegion(state: ModelState, device: string): string {
  const s = state.sysram.find((x) => `sysram_region${x.id}` === device);
  if (!s) return 'ENODEV';
  if (s.driver) return 'EBUSY';
  if (s.onlineType === 'invalid') return 'ENODEV';
  const r = state.regions.find((x) => x.name === s.region)!;
  if (!r.committed) return 'ENXIO';
  s.driver = 'cxl_dax_kmem_region';
  addDax(state, { region: r.name, id: r.id, device: `dax${r.id}.0`, kmemFlag: true, onlineType: s.onlineType });
  return 'ok';
}

export function unbindDaxKmemRegion(state: ModelState, device: string): string {
  const s = state.sysram.find((x) => `sysram_region${x.id}` === device);
  if (!s?.driver) return 'ENODEV';
  removeDax(state, s.region);
  delete s.driver;
  return 'ok';
}
