// Test helper: the GuestNames a guest's kernel gives a topology for a given probe order.
import type { GuestNames } from '../../../harness/topology/guest-graph.ts';
import type { Topology, Type3Device } from '../../../harness/topology/types.ts';

// Test helper: the names a guest's kernel gives a topology's objects for a given probe order (GuestNames, as
// readGuestGraph returns them). topologies.md: root0; then host bridge ports, switch ports and endpoint ports from
// one counter (port1.., then endpointN); decoders named after their port (decoderP.i); memdevs memN from their own
// counter, in probe order, independent of the endpoint numbering (A: endpoint3=mem1, endpoint4=mem0). A host bridge
// with one root port has one passthrough decoder, every other port and every endpoint 4.

export interface ProbeOrder {
  /** Host bridge bus numbers in the order their ports appear (default: topology order). */
  hostBridges?: number[];
  /** Switch (upstream port) ids in the order their ports appear (default: topology order). */
  switches?: string[];
  /** Device serials in the order the endpoint ports appear (default: topology order). */
  endpoints?: number[];
  /** Device serials in the order the memdevs appear (default: topology order). */
  memdevs?: number[];
}

const decoders = (id: number, n: number) => Array.from({ length: n }, (_, i) => `decoder${id}.${i}`);

export function kernelNames(t: Topology, order: ProbeOrder = {}): GuestNames {
  const devices: { device: Type3Device; path: string }[] = [];
  const switches: { id: string; path: string }[] = [];
  for (const hb of t.hostBridges) {
    for (const rp of hb.rootPorts) {
      const at = `hb${hb.busNr}/rp${rp.port}`;
      if (rp.device) devices.push({ device: rp.device, path: at });
      if (rp.switch) {
        switches.push({ id: rp.switch.id, path: `${at}/switch` });
        for (const ds of rp.switch.downstreamPorts) if (ds.device) devices.push({ device: ds.device, path: `${at}/ds${ds.port}` });
      }
    }
  }
  const names: GuestNames = { rootDecoders: t.windows.map((_, k) => `decoder0.${k}`), ports: {}, portDecoders: {}, devices: [] };
  let next = 1;
  for (const bus of order.hostBridges ?? t.hostBridges.map((h) => h.busNr)) {
    const hb = t.hostBridges.find((h) => h.busNr === bus)!;
    const id = next++;
    names.ports[`hb${bus}`] = `port${id}`;
    names.portDecoders[`port${id}`] = decoders(id, hb.rootPorts.length === 1 ? 1 : 4);
  }
  for (const swId of order.switches ?? switches.map((s) => s.id)) {
    const id = next++;
    names.ports[switches.find((s) => s.id === swId)!.path] = `port${id}`;
    names.portDecoders[`port${id}`] = decoders(id, 4);
  }
  const memOrder = order.memdevs ?? devices.map((d) => d.device.serial);
  for (const serial of order.endpoints ?? devices.map((d) => d.device.serial)) {
    const d = devices.find((x) => x.device.serial === serial)!;
    const id = next++;
    names.devices.push({ serial, path: d.path, memdev: `mem${memOrder.indexOf(serial)}`, endpoint: `endpoint${id}`, decoders: decoders(id, 4) });
  }
  return names;
}

/** The endpoint decoder `index` of the device with this serial. */
export function ep(names: GuestNames, serial: number, index = 0): string {
  const d = names.devices.find((x) => x.serial === serial);
  if (!d) throw new Error(`no device with serial ${serial}`);
  return d.decoders[index]!;
}
