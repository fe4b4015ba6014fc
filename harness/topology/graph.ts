// The CXL object graph the kernel should enumerate for a topology, keyed by topology paths rather than kernel names
// (the kernel names ports, endpoints and memdevs in probe order); compared after every boot with the guest's.
import { placedDevices } from './place.ts';
import type { Topology } from './types.ts';

export type Graph = Record<string, string>;

const hex = (n: number | bigint) => `0x${n.toString(16)}`;
const list = (ns: number[]) => ns.join(',');
/** QEMU gives every HDM decoder capability 4 decoders; a host bridge with one root port has none (QEMU's default hdm_for_passthrough=off) and the kernel adds one passthrough decoder. */
const HDM_DECODERS = 4;

export function expectedGraph(t: Topology): Graph {
  const g: Graph = {};
  g['root/dports'] = list(t.hostBridges.map((hb) => hb.busNr).sort((a, b) => a - b));
  t.windows.forEach((w, k) => {
    const at = `root/decoder${k}`;
    g[`${at}/target_list`] = w.targets.map((id) => t.hostBridges.find((hb) => hb.id === id)!.busNr).join(',');
    g[`${at}/interleave_ways`] = String(w.targets.length);
    // acpi.c: an x1 window's granularity is minimised to 256 whatever the CFMWS says.
    g[`${at}/interleave_granularity`] = String(w.targets.length === 1 ? 256 : w.granularity);
    g[`${at}/size`] = hex(BigInt(w.sizeMiB) << 20n);
    // QEMU's CFMWS sets every restriction bit (hw/acpi/cxl.c).
    g[`${at}/caps`] = 'pmem ram type2 type3';
  });
  for (const hb of t.hostBridges) {
    const at = `hb${hb.busNr}`;
    g[`${at}/dports`] = list(hb.rootPorts.map((rp) => rp.port).sort((a, b) => a - b));
    g[`${at}/decoders`] = String(hb.rootPorts.length === 1 ? 1 : HDM_DECODERS);
    for (const rp of hb.rootPorts) {
      if (!rp.switch) continue;
      g[`${at}/rp${rp.port}/switch/dports`] = list(rp.switch.downstreamPorts.map((d) => d.port).sort((a, b) => a - b));
      g[`${at}/rp${rp.port}/switch/decoders`] = String(HDM_DECODERS);
    }
  }
  for (const p of placedDevices(t)) {
    const d = p.device;
    g[`${p.path}/endpoint`] = hex(d.serial);
    g[`${p.path}/endpoint/decoders`] = String(HDM_DECODERS);
    const at = `device ${hex(d.serial)}`;
    g[`${at}/ram_size`] = hex(BigInt(d.volatileMiB) << 20n);
    g[`${at}/pmem_size`] = hex(BigInt(d.persistentMiB) << 20n);
    g[`${at}/label_storage_size`] = String(d.lsaMiB << 20);
    // cxl_pmem registers an nvdimm (pmemN, driver cxl_nvdimm) for every device with persistent capacity.
    if (d.persistentMiB) g[`${at}/nvdimm`] = 'cxl_nvdimm';
  }
  return g;
}
