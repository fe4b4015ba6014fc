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
  /** Drivers registered on the cxl and dax buses: which binding paths this kernel has at all. */
  cxlDrivers: string[];
  daxDrivers: string[];
  /**
   * auto_online_blocks as booted. Used only when the command line sets no memhp_default_state: then it is the
   * kernel's build-time default (CONFIG_MHP_DEFAULT_ONLINE_TYPE_*), a configuration fact rather than behaviour.
   */
  builtInOnlineType: string;
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

export type RegionDriver = 'cxl_region' | 'cxl_devdax_region' | 'cxl_sysram_region';

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
  driver?: RegionDriver;
}

/** The series' intermediate device between a region and its kmem dax_region. */
export interface SysramRegion {
  region: string;
  id: number;
  /** `invalid` until userspace writes one. */
  onlineType: 'invalid' | 'offline' | 'online' | 'online_movable';
  driver?: 'cxl_dax_kmem_region';
}

/** dax_regionN (created by a region driver) and its one device daxN.0. */
export interface Dax {
  region: string;
  id: number;
  device: string;
  /** KMEM-flagged regions match only kmem by type (drivers/dax/bus.c dax_match_type). */
  kmemFlag: boolean;
  driver?: 'kmem' | 'device_dax';
  /** Drivers that had this device written to their new_id. */
  ids: string[];
  /** Online policy kmem uses at hot-add: the global default, or the sysram region's. */
  onlineType?: OnlineType;
  /** kmem added the memory and has not removed it (also after an unbind that could not remove online blocks). */
  memoryHeld: boolean;
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
  sysram: SysramRegion[];
  dax: Dax[];
  blocks: Block[];
  /** Nodes registered for hot-added memory. */
  nodes: number[];
  autoOnline: OnlineType;
  /** `movable_node` on the command line: `online` then prefers ZONE_MOVABLE. */
  movableNode: boolean;
  /** Host bridge ports are port1..portH; their decoders decoderN.0 are cxl devices too. */
  hostBridges: number;
  /** Memory kmem could not remove: it stays online and reserved in /proc/iomem until reboot (§2, §5.4). */
  leaks: { region: string; device: string; start: bigint; size: bigint }[];
  blockSize: bigint;
  cxlDrivers: string[];
  daxDrivers: string[];
}

export const HDM_DECODERS_PER_ENDPOINT = 4;

const ONLINE_TYPES: string[] = ['offline', 'online', 'online_kernel', 'online_movable'];

/** `memhp_default_state=` on the command line, last one wins, invalid values ignored; otherwise the build's default. */
export function bootOnlineType(cmdline: string, builtIn = 'offline'): OnlineType {
  let t = (ONLINE_TYPES.includes(builtIn) ? builtIn : 'offline') as OnlineType;
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
    sysram: [],
    dax: [],
    blocks: [],
    nodes: [],
    autoOnline: bootOnlineType(facts.cmdline, facts.builtInOnlineType),
    movableNode: facts.cmdline.split(/\s+/).includes('movable_node'),
    hostBridges: topology.hostBridges.length,
    leaks: [],
    blockSize: facts.blockSizeBytes,
    cxlDrivers: facts.cxlDrivers,
    daxDrivers: facts.daxDrivers,
  };
}

/** Smallest id not in use, as the IDA hands them out. */
export function allocateId(used: number[]): number {
  let id = 0;
  while (used.includes(id)) id++;
  return id;
}
