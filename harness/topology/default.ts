// The topology used when a scenario names none: one host bridge, one root port, one 256 MiB volatile Type-3 device.
import type { Topology } from './types.ts';

export const defaultTopology: Topology = {
  name: 'default',
  cpus: 2,
  memory: { bootMiB: 1024, maxMiB: 4096, slots: 4 },
  hostBridges: [
    {
      id: 'cxl.1',
      busNr: 12,
      rootPorts: [
        { id: 'root_port13', port: 0, chassis: 0, slot: 2, device: { id: 'cxl-vmem0', volatileMiB: 256 } },
      ],
    },
  ],
  windows: [{ targets: ['cxl.1'], sizeMiB: 4096 }],
};
