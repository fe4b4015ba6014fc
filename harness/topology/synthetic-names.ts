// Kernel names for a topology as if the guest probed everything in topology order: for analysing scenarios without
// a guest (refusal coverage). A booted guest's real names come from its graph (guest-graph.ts).
import type { GuestNames } from './guest-graph.ts';
import { placedDevices } from './place.ts';
import type { Topology } from './types.ts';

export function syntheticNames(t: Topology): GuestNames {
  const names: GuestNames = { rootDecoders: t.windows.map((_, k) => `decoder0.${k}`), ports: {}, portDecoders: {}, devices: [] };
  let id = 1;
  for (const hb of t.hostBridges) {
    const port = `port${id++}`;
    names.ports[`hb${hb.busNr}`] = port;
    names.portDecoders[port] = Array.from({ length: hb.rootPorts.length === 1 ? 1 : 4 }, (_, i) => `decoder${port.slice(4)}.${i}`);
  }
  for (const hb of t.hostBridges) {
    for (const rp of hb.rootPorts.filter((r) => r.switch)) {
      const port = `port${id++}`;
      names.ports[`hb${hb.busNr}/rp${rp.port}/switch`] = port;
      names.portDecoders[port] = Array.from({ length: 4 }, (_, i) => `decoder${port.slice(4)}.${i}`);
    }
  }
  placedDevices(t).forEach((p, i) => {
    const n = id++;
    names.devices.push({ serial: p.device.serial, path: p.path, memdev: `mem${i}`, endpoint: `endpoint${n}`, decoders: Array.from({ length: 4 }, (_, j) => `decoder${n}.${j}`) });
  });
  return names;
}
