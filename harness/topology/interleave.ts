// Interleave arithmetic from the topology alone: a valid position order for a window's devices, and which device and
// device offset a region offset lands on (position = (offset / granularity) mod ways).
import { placedDevices } from './place.ts';
import type { PlacedDevice, Topology } from './types.ts';

const pow2Floor = (n: number) => (n < 1 ? 0 : 2 ** Math.floor(Math.log2(n)));

/**
 * One port's order from its children's orders: m children (a power of two) giving k positions each (a power of two),
 * taken round robin, so the port decodes m dports and position p goes to child p mod m (cxl_port_setup_targets
 * wants a power-of-two target count and a fixed dport per position residue). The largest m × k wins; on a tie,
 * the wider interleave.
 */
function balanced(children: PlacedDevice[][]): PlacedDevice[] {
  const lengths = children.map((c) => c.length).filter((n) => n > 0).sort((a, b) => b - a);
  let best = { m: 0, k: 0 };
  for (let m = 1; m <= lengths.length; m *= 2) {
    const k = pow2Floor(lengths[m - 1]!);
    if (m * k >= best.m * best.k) best = { m, k };
  }
  const chosen = children.filter((c) => c.length >= best.k).slice(0, best.m);
  const out: PlacedDevice[] = [];
  for (let i = 0; i < best.k; i++) for (const c of chosen) out.push(c[i]!);
  return out;
}

/**
 * The default interleave order of the devices a window reaches with capacity of `mode`: position p sits below the
 * window's host bridge p mod H, and below each port consecutive positions go to different dports in a fixed cycle.
 * Each host bridge contributes the same power-of-two number of devices.
 */
export function interleaveOrder(t: Topology, window: number, mode: 'ram' | 'pmem'): PlacedDevice[] {
  const w = t.windows[window];
  if (!w) return [];
  const usable = (d: PlacedDevice) => (mode === 'ram' ? d.device.volatileMiB : d.device.persistentMiB) > 0;
  const devices = placedDevices(t).filter(usable);
  const perHb = w.targets.map((id) => {
    const hb = t.hostBridges.find((h) => h.id === id)!;
    return balanced(hb.rootPorts.map((rp) => balanced(devices.filter((d) => d.rootPort === rp).map((d) => [d]))));
  });
  const k = pow2Floor(Math.min(...perHb.map((l) => l.length)));
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
