// A second known-good topology for the tests: two host bridges, one device each, one 2-way interleaved window.
import type { Topology } from '../../../harness/topology/types.ts';

export const twoWayTopology: Topology = {
  name: 'two-way',
  cpus: 2,
  memory: { bootMiB: 1024, maxMiB: 4096, slots: 4 },
  hostBridges: [
    {
      id: 'cxl.1',
      busNr: 12,
      rootPorts: [{ id: 'root_port13', port: 0, chassis: 0, slot: 2, device: { id: 'cxl-vmem0', volatileMiB: 256 } }],
    },
    {
      // Far from 12: each pxb-cxl's root ports take the bus numbers just above its own.
      id: 'cxl.2',
      busNr: 222,
      rootPorts: [{ id: 'root_port223', port: 0, chassis: 0, slot: 3, device: { id: 'cxl-vmem1', volatileMiB: 256 } }],
    },
  ],
  windows: [{ targets: ['cxl.1', 'cxl.2'], sizeMiB: 4096, granularity: 4096 }],
};
