// Every Type-3 device with where it sits (host bridge, root port, switch port), in topology order.
import type { PlacedDevice, Topology } from './types.ts';

export function placedDevices(t: Topology): PlacedDevice[] {
  const out: PlacedDevice[] = [];
  for (const hostBridge of t.hostBridges) {
    for (const rootPort of hostBridge.rootPorts) {
      const base = `hb${hostBridge.busNr}/rp${rootPort.port}`;
      if (rootPort.device) out.push({ device: rootPort.device, hostBridge, rootPort, path: base });
      for (const downstreamPort of rootPort.switch?.downstreamPorts ?? []) {
        if (downstreamPort.device) out.push({ device: downstreamPort.device, hostBridge, rootPort, switch: rootPort.switch!, downstreamPort, path: `${base}/ds${downstreamPort.port}` });
      }
    }
  }
  return out;
}

/** What a scenario may require of a topology, and what this one offers. */
export interface TopologyTraits {
  devices: number;
  volatileDevices: number;
  persistentDevices: number;
  hostBridges: number;
  switches: number;
  windows: number;
  /** Largest number of host bridges one window interleaves. */
  maxWindowWays: number;
}

export function traits(t: Topology): TopologyTraits {
  const devices = placedDevices(t);
  return {
    devices: devices.length,
    volatileDevices: devices.filter((d) => d.device.volatileMiB > 0).length,
    persistentDevices: devices.filter((d) => d.device.persistentMiB > 0).length,
    hostBridges: t.hostBridges.length,
    switches: t.hostBridges.flatMap((hb) => hb.rootPorts).filter((rp) => rp.switch).length,
    windows: t.windows.length,
    maxWindowWays: Math.max(...t.windows.map((w) => w.targets.length)),
  };
}

/** Guest memory the host must provide: boot RAM plus every device's backing (volatile, persistent, label area). */
export function hostMemoryMiB(t: Topology): number {
  return t.memory.bootMiB + placedDevices(t).reduce((n, d) => n + d.device.volatileMiB + d.device.persistentMiB + d.device.lsaMiB, 0);
}
