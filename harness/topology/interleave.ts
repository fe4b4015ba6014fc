// Interleave arithmetic from the topology alone: a valid position order for a window's devices, and which device and
// device offset a region offset lands on (position = (offset / granularity) mod ways).
import { placedDevices } from './place.ts';
import type { PlacedDevice, Topology } from './types.ts';

/** Round robin at every level: positions alternate between the ports of each level, as the kernel's position rules need. */
function roundRobin(lists: PlacedDevice[][]): PlacedDevice[] {
  const out: PlacedDevice[] = [];
  for (let i = 0; lists.some((l) => i < l.length); i++) for (const l of lists) if (i < l.length) out.push(l[i]!);
  return out;
}

/**
 * The default interleave order of the devices a window reaches with capacity of `mode`: position p sits below the
 * window's host bridge p mod H, and inside a host bridge consecutive positions go to different root ports (and
 * switch ports). Each host bridge contributes the same power-of-two number of devices.
 */
export function interleaveOrder(t: Topology, window: number, mode: 'ram' | 'pmem'): PlacedDevice[] {
  const w = t.windows[window];
  if (!w) return [];
  const usable = (d: PlacedDevice) => (mode === 'ram' ? d.device.volatileMiB : d.device.persistentMiB) > 0;
  const devices = placedDevices(t).filter(usable);
  const perHb = w.targets.map((id) => {
    const hb = t.hostBridges.find((h) => h.id === id)!;
    return roundRobin(hb.rootPorts.map((rp) => devices.filter((d) => d.rootPort === rp)));
  });
  const min = Math.min(...perHb.map((l) => l.length));
  if (min === 0) return [];
  const k = 2 ** Math.floor(Math.log2(min));
  const out: PlacedDevice[] = [];
  for (let i = 0; i < k; i++) for (const l of perHb) out.push(l[i]!);
  return out;
}

/** Where a region offset lands: the position (index into the region's targets) and the offset inside that device's allocation. */
export function placement(offset: bigint, ways: number, granularity: number): { position: number; deviceOffset: bigint } {
  const g = BigInt(granularity);
  const w = BigInt(ways);
  return { position: Number((offset / g) % w), deviceOffset: (offset / (g * w)) * g + (offset % g) };
}
