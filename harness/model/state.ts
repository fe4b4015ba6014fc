// The reference model's state: what the kernel is documented to hold after boot and after each step.
import type { GuestNames } from '../topology/guest-graph.ts';
import { placedDevices } from '../topology/place.ts';
import type { Topology } from '../topology/types.ts';

export const SZ_256M = 256n << 20n;

/** Facts read from the booted guest that the model takes as given, not as behaviour under test. */
export interface BootFacts {
  release: string;
  cmdline: string;
  blockSizeBytes: bigint;
  /** Root decoder name → start address of its window (the firmware's placement). */
  windowStarts: Record<string, bigint>;
  /** Drivers the kernel registered on the cxl and dax buses. */
  cxlDrivers: string[];
  daxDrivers: string[];
  /** Series definitions this kernel carries (scenarios/series/<name>), from its drivers and symbols. */
  series: string[];
  /**
   * auto_online_blocks as booted. Used only when the command line sets no memhp_default_state: then it is the
   * kernel's build-time default (CONFIG_MHP_DEFAULT_ONLINE_TYPE_*), a configuration fact rather than behaviour.
   */
  builtInOnlineType: string;
}

export type OnlineType = 'offline' | 'online' | 'online_kernel' | 'online_movable';
export type Zone = 'Normal' | 'Movable';
export type Mode = 'ram' | 'pmem';

export interface RootDecoder {
  name: string;
  window: number;
  start: bigint;
  size: bigint;
  /** Target node of the window's memory (ACPI gives each CFMWS its own node). */
  node: number;
  /** Host bridge bus numbers (root0's dport ids) the window interleaves across, in order. */
  targets: number[];
  granularity: number;
  /** The id `create_ram_region`/`create_pmem_region` read. */
  nextId: number;
}

/** A decoder of a host bridge or switch port: assigned to a region when a target below it attaches. */
export interface PortDecoder {
  name: string;
  index: number;
  region?: string;
  /** Programmed when the region's last target lands (cxl_port_setup_targets): ways, granularity, dport ids in position order. */
  ways?: number;
  granularity?: number;
  targets: number[];
  /** HPA range while programmed. */
  start?: bigint;
  size: bigint;
  committed: boolean;
}

/** A host bridge or switch: a cxl port with dports and decoders. */
export interface Port {
  name: string;
  kind: 'hb' | 'switch';
  /** Topology path: "hb12" or "hb12/rp0/switch". */
  path: string;
  /** Parent port name, or undefined below root0. */
  parent?: string;
  /** This port's id among its parent's dports (bus number for a host bridge). */
  parentDport: number;
  dports: number[];
  decoders: PortDecoder[];
  /** A host bridge with one root port has no HDM decoders: one passthrough decoder that is never committed. */
  passthrough: boolean;
}

export interface EndpointDecoder {
  name: string;
  index: number;
  mode: 'none' | Mode;
  dpaSize: bigint;
  /** DPA base of the allocation, while allocated. */
  dpaStart?: bigint;
  region?: string;
  /** Set while attached: what cxl_region_attach copies from the region. */
  ways?: number;
  granularity?: number;
  committed: boolean;
}

/** One Type-3 device and its endpoint port. */
export interface Endpoint {
  serial: number;
  memdev: string;
  port: string;
  /** Topology path of the port it hangs off: "hb12/rp0" or "hb12/rp0/ds1". */
  path: string;
  /** Ports from the host bridge down to the one it hangs off, with the dport id used at each. */
  ancestry: { port: string; dport: number }[];
  hostBridge: number;
  ramBytes: bigint;
  pmemBytes: bigint;
  decoders: EndpointDecoder[];
}

export type RegionDriver = string;

export interface Region {
  id: number;
  name: string;
  root: string;
  mode: Mode;
  /** Empty for RAM regions and until written for pmem. */
  uuid: string;
  ways: number;
  granularity: number;
  size: bigint;
  resource?: bigint;
  /** Endpoint decoder names by position; '' where empty. */
  targets: string[];
  /** enum cxl_config_state: IDLE → INTERLEAVE_ACTIVE (HPA allocated) → ACTIVE (all targets) → COMMIT. */
  state: 'idle' | 'interleave_active' | 'active' | 'commit';
  driver?: RegionDriver;
  /** Assembled by the kernel from committed decoders (CXL_REGION_F_AUTO), not created through sysfs. */
  auto?: boolean;
}

/** A device a series adds to the cxl bus below a region (e.g. sysram_regionN), with its attributes. */
export interface BusDevice {
  type: string;
  name: string;
  region: string;
  attrs: Record<string, string>;
  driver?: string;
}

/** dax_regionN (created by a region driver) and its one device daxN.0. */
export interface Dax {
  region: string;
  id: number;
  device: string;
  /** Which device the dax_region hangs below (the region, or a series' intermediate device). */
  parent: string;
  /** KMEM-flagged regions match only kmem by type (drivers/dax/bus.c dax_match_type). */
  kmemFlag: boolean;
  driver?: 'kmem' | 'device_dax';
  /** Drivers that had this device written to their new_id. */
  ids: string[];
  /** Online policy kmem uses at hot-add: snapshot of the global default, or a series' per-device choice. */
  onlineType?: OnlineType;
  /** kmem added the memory and has not removed it (also after an unbind that could not remove online blocks). */
  memoryHeld: boolean;
  /** Attribute values a series' driver keeps for the device (e.g. kmem's state). */
  attrs: Record<string, string>;
}

/** A pmem region's nvdimm side: pmem_regionN on the cxl bus and the nd region it registers. */
export interface PmemRegion {
  region: string;
  id: number;
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
  ports: Port[];
  endpoints: Endpoint[];
  regions: Region[];
  /** Region ids taken in the kernel's global memregion IDA (regions and the ids roots hold for their next create). */
  usedIds: number[];
  devices: BusDevice[];
  dax: Dax[];
  pmem: PmemRegion[];
  blocks: Block[];
  /** Nodes registered for hot-added memory. */
  nodes: number[];
  autoOnline: OnlineType;
  /** `movable_node` on the command line: `online` then prefers ZONE_MOVABLE. */
  movableNode: boolean;
  /** Memory kmem could not remove: it stays online and reserved in /proc/iomem until reboot. */
  leaks: { region: string; device: string; start: bigint; size: bigint }[];
  blockSize: bigint;
  cxlDrivers: string[];
  daxDrivers: string[];
  /** Active series definitions: their drivers, devices and attributes are part of the model. */
  series: string[];
  /** /sys/bus/<bus>/drivers_autoprobe: whether a new device is offered to the bus's drivers at once. */
  autoprobe: { cxl: boolean; dax: boolean };
}

const ONLINE_TYPES: string[] = ['offline', 'online', 'online_kernel', 'online_movable'];

/** `memhp_default_state=` on the command line, last one wins, invalid values ignored; otherwise the build's default. */
export function bootOnlineType(cmdline: string, builtIn = 'offline'): OnlineType {
  let t = (ONLINE_TYPES.includes(builtIn) ? builtIn : 'offline') as OnlineType;
  for (const arg of cmdline.split(/\s+/)) {
    const v = /^memhp_default_state=(.*)$/.exec(arg)?.[1];
    if (v && ONLINE_TYPES.includes(v)) t = v as OnlineType;
  }
  return t;
}

/**
 * The state right after boot, from the topology and the names the guest gave its objects (the graph check has
 * confirmed the structure). Each root decoder pre-allocates a region id from the global IDA, in window order.
 */
export function initialState(topology: Topology, names: GuestNames, facts: BootFacts): ModelState {
  const roots: RootDecoder[] = topology.windows.map((w, k) => {
    const name = names.rootDecoders[k] ?? `decoder0.${k}`;
    return {
      name,
      window: k,
      start: facts.windowStarts[name] ?? 0n,
      size: BigInt(w.sizeMiB) << 20n,
      node: k + 1,
      targets: w.targets.map((id) => topology.hostBridges.find((hb) => hb.id === id)!.busNr),
      granularity: w.targets.length === 1 ? 256 : w.granularity,
      nextId: k,
    };
  });
  const ports: Port[] = [];
  for (const hb of topology.hostBridges) {
    const hbPath = `hb${hb.busNr}`;
    const hbName = names.ports[hbPath] ?? hbPath;
    const passthrough = hb.rootPorts.length === 1;
    ports.push({ name: hbName, kind: 'hb', path: hbPath, parentDport: hb.busNr, dports: hb.rootPorts.map((rp) => rp.port), decoders: portDecoders(names.portDecoders[hbName] ?? []), passthrough });
    for (const rp of hb.rootPorts) {
      if (!rp.switch) continue;
      const path = `${hbPath}/rp${rp.port}/switch`;
      const name = names.ports[path] ?? path;
      ports.push({ name, kind: 'switch', path, parent: hbName, parentDport: rp.port, dports: rp.switch.downstreamPorts.map((d) => d.port), decoders: portDecoders(names.portDecoders[name] ?? []), passthrough: false });
    }
  }
  const endpoints: Endpoint[] = placedDevices(topology).map((p) => {
    const g = names.devices.find((d) => d.serial === p.device.serial);
    const hbName = names.ports[`hb${p.hostBridge.busNr}`] ?? `hb${p.hostBridge.busNr}`;
    const ancestry = [{ port: hbName, dport: p.rootPort.port }];
    if (p.switch) ancestry.push({ port: names.ports[`hb${p.hostBridge.busNr}/rp${p.rootPort.port}/switch`] ?? '', dport: p.downstreamPort!.port });
    return {
      serial: p.device.serial,
      memdev: g?.memdev ?? `mem(sn ${p.device.serial})`,
      port: g?.endpoint ?? `endpoint(sn ${p.device.serial})`,
      path: p.path,
      ancestry,
      hostBridge: p.hostBridge.busNr,
      ramBytes: BigInt(p.device.volatileMiB) << 20n,
      pmemBytes: BigInt(p.device.persistentMiB) << 20n,
      decoders: (g?.decoders ?? []).map((name, index) => ({ name, index, mode: 'none' as const, dpaSize: 0n, committed: false })),
    };
  });
  return {
    roots,
    ports,
    endpoints,
    regions: [],
    usedIds: roots.map((r) => r.nextId),
    devices: [],
    dax: [],
    pmem: [],
    blocks: [],
    nodes: [],
    autoOnline: bootOnlineType(facts.cmdline, facts.builtInOnlineType),
    movableNode: facts.cmdline.split(/\s+/).includes('movable_node'),
    leaks: [],
    blockSize: facts.blockSizeBytes,
    cxlDrivers: facts.cxlDrivers,
    daxDrivers: facts.daxDrivers,
    series: facts.series,
    autoprobe: { cxl: true, dax: true },
  };
}

function portDecoders(names: string[]): PortDecoder[] {
  return names.map((name, index) => ({ name, index, targets: [], size: 0n, committed: false }));
}

/** Smallest id not in use, as the IDA hands them out. */
export function allocateId(used: number[]): number {
  let id = 0;
  while (used.includes(id)) id++;
  return id;
}
