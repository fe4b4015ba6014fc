// The emulated machine a scenario runs on: host bridges, root ports, Type-3 devices and fixed memory windows.

export interface Type3Device {
  /** QEMU device id, e.g. "cxl-vmem0"; the memory backend is named after it. */
  id: string;
  /** Volatile capacity in MiB; a multiple of 256 (the kernel's region granule). */
  volatileMiB: number;
}

export interface RootPort {
  id: string;
  /** Port number on its host bridge. */
  port: number;
  chassis: number;
  slot: number;
  device?: Type3Device;
}

export interface HostBridge {
  /** QEMU pxb-cxl id, e.g. "cxl.1"; windows refer to it. */
  id: string;
  busNr: number;
  rootPorts: RootPort[];
}

export interface FixedMemoryWindow {
  /** Host bridge ids the window interleaves across, in order. */
  targets: string[];
  sizeMiB: number;
  /** Interleave granularity in bytes; QEMU's default is 256. */
  granularity?: number;
}

export interface Topology {
  name: string;
  cpus: number;
  memory: { bootMiB: number; maxMiB: number; slots: number };
  hostBridges: HostBridge[];
  windows: FixedMemoryWindow[];
}
