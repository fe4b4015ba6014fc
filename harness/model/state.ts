// The reference model's state: what the kernel is documented to hold after boot and after each step.
import type { Topology } from '../topology/types.ts';

export const SZ_256M = 256n << 20n;

/** Facts read from the booted guest that the model takes as given, not as behaviour under test. */
export interface BootFacts {
  release: string;
  cmdline: string;
  blockSizeBytes: bigint;
  /** Root decoder name → start address of its window (the firmware's placement). */
  windowStarts: Record<string, bigint>;
}

export type OnlineType = 'offline' | 'online' | 'online_kernel' | 'online_movable';
export type Zone = 'Normal' | 'Movable';

export interface RootDecoder {
  name: string;
  start: bigint;
  size: bigint;
  /** Target node of the window's memory (ACPI gives each CFMWS its own node). */
  node: number;
  /** Host bridges the window interleaves across, and its granularity. */
  ways: number;
  granularity: number;
  /** The id `create_ram_region` reads. */
  nextId: number;
}

export interface EndpointDecoder {
  name: string;
  /** Capacity of the device's volatile partition. */
  ramBytes: bigint;
  mode: 'none' | 'ram' | 'pmem';
  dpaSize: bigint;
  region?: string;
}

export interface Region {
  id: number;
  name: string;
  root: string;
  ways: number;
  granularity: number;
  size: bigint;
  resource?: bigint;
  targets: string[];
  committed: boolean;
  driver?: 'cxl_region';
}

export interface Block {
  id: number;
  node: number;
  region: string;
  online: boolean;
  zone?: Zone;
}

export interface ModelState {
  roots: RootDecoder[];
  endpoints: EndpointDecoder[];
  regions: Region[];
  /** Region ids taken in the kernel's global memregion IDA (regions and the ids roots hold for their next create). */
  usedIds: number[];
  /** dax regions by region name: present once the region driver created them; `device` names daxN.0 and its driver. */
  dax: { region: string; id: number; device: string; driver: 'kmem' | 'device_dax' }[];
  blocks: Block[];
  /** Nodes registered for hot-added memory. */
  nodes: number[];
  autoOnline: OnlineType;
  blockSize: bigint;
}

export const HDM_DECODERS_PER_ENDPOINT = 4;

/** `memhp_default_state=` on the command line, last one wins; invalid values are ignored; the Kconfig default is offline. */
export function bootOnlineType(cmdline: string): OnlineType {
  let t: OnlineType = 'offline';
  for (const arg of cmdline.split(/\s+/)) {
    const v = /^memhp_default_state=(.*)$/.exec(arg)?.[1];
    if (v === 'offline' || v === 'online' || v === 'online_kernel' || v === 'online_movable') t = v;
  }
  return t;
}

/**
 * The state right after boot. Port ids follow enumeration: root0, one port per host bridge,
 * then one endpoint per device, in topology order; each endpoint has four HDM decoders.
 */
export function initialState(topology: Topology, facts: BootFacts): ModelState {
  const roots = topology.windows.map((w, k) => {
    const name = `decoder0.${k}`;
    return { name, start: facts.windowStarts[name] ?? 0n, size: BigInt(w.sizeMiB) << 20n, node: k + 1, ways: w.targets.length, granularity: w.granularity ?? 256, nextId: k };
  });
  const devices = topology.hostBridges.flatMap((hb) => hb.rootPorts.flatMap((rp) => (rp.device ? [rp.device] : [])));
  const firstEndpoint = 1 + topology.hostBridges.length;
  const endpoints = devices.flatMap((d, i) =>
    Array.from({ length: HDM_DECODERS_PER_ENDPOINT }, (_, j) => ({
      name: `decoder${firstEndpoint + i}.${j}`,
      ramBytes: BigInt(d.volatileMiB) << 20n,
      mode: 'none' as const,
      dpaSize: 0n,
    })),
  );
  return {
    roots,
    endpoints,
    regions: [],
    usedIds: roots.map((r) => r.nextId),
    dax: [],
    blocks: [],
    nodes: [],
    autoOnline: bootOnlineType(facts.cmdline),
    blockSize: facts.blockSizeBytes,
  };
}

/** Smallest id not in use, as the IDA hands them out. */
export function allocateId(used: number[]): number {
  let id = 0;
  while (used.includes(id)) id++;
  return id;
}
