// The emulated machine, normalised: host bridges, root ports, switches, Type-3 devices and fixed memory windows.

export interface Type3Device {
  /** QEMU device id, e.g. "mem-a"; backends and backing files are named after it. */
  id: string;
  /** The device serial number (QEMU `sn=`): how the harness finds the device in the guest, whatever the probe order. */
  serial: number;
  /** Volatile and persistent capacity in MiB, each 0 or a multiple of 256. */
  volatileMiB: number;
  persistentMiB: number;
  /** Label storage area in MiB (0: none); persistent devices need one for namespaces. */
  lsaMiB: number;
}

export interface DownstreamPort {
  id: string;
  /** Port number on its switch: the switch's dportN in sysfs. */
  port: number;
  chassis: number;
  slot: number;
  device?: Type3Device;
}

export interface Switch {
  /** QEMU id of the switch's upstream port (cxl-upstream). */
  id: string;
  /** Adds the switch mailbox CCI function (cxl-switch-mailbox-cci) beside the upstream port. */
  mailboxCci: boolean;
  downstreamPorts: DownstreamPort[];
}

export interface RootPort {
  id: string;
  /** Port number on its host bridge: the host bridge's dportN in sysfs. */
  port: number;
  chassis: number;
  slot: number;
  device?: Type3Device;
  switch?: Switch;
}

export interface HostBridge {
  /** QEMU pxb-cxl id, e.g. "cxl.1"; windows refer to it. */
  id: string;
  /** First PCI bus number of the host bridge: root0's dportN in sysfs, and the window target lists' entries. */
  busNr: number;
  rootPorts: RootPort[];
}

export interface FixedMemoryWindow {
  /** Host bridge ids the window interleaves across, in order. */
  targets: string[];
  sizeMiB: number;
  /** Interleave granularity in bytes across the host bridges (QEMU's default 256). */
  granularity: number;
}

export interface Topology {
  name: string;
  description?: string;
  cpus: number;
  memory: { bootMiB: number; maxMiB: number; slots: number };
  hostBridges: HostBridge[];
  windows: FixedMemoryWindow[];
}

/** A Type-3 device with where it sits: the path the guest's graph is matched on. */
export interface PlacedDevice {
  device: Type3Device;
  hostBridge: HostBridge;
  rootPort: RootPort;
  switch?: Switch;
  downstreamPort?: DownstreamPort;
  /** "hb12/rp0" or "hb12/rp0/ds1": bus number, root port number, downstream port number. */
  path: string;
}
