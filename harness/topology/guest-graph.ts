// Reads images/guest/graph's output: the guest's CXL graph keyed like expectedGraph, and the kernel's names for each
// topology object (found by PCI path and serial, since the kernel names objects in probe order).
import type { Graph } from './graph.ts';

export interface GuestDevice {
  serial: number;
  /** Topology path of the port it hangs off: "hb12/rp0" or "hb12/rp0/ds1". */
  path: string;
  memdev: string;
  endpoint: string;
  /** Endpoint decoders in id order (decoderE.0 first). */
  decoders: string[];
}

export interface GuestNames {
  /** Window index → root decoder name (decoder0.K). */
  rootDecoders: string[];
  /** "hb12" or "hb12/rp0/switch" → kernel port name (port1, …). */
  ports: Record<string, string>;
  /** Kernel port name → its decoders in id order. */
  portDecoders: Record<string, string[]>;
  devices: GuestDevice[];
}

const byIndex = (a: string, b: string) => Number(a.split('.')[1]) - Number(b.split('.')[1]);
const sortedNums = (ns: number[]) => [...ns].sort((a, b) => a - b).join(',');

export function readGuestGraph(text: string): { graph: Graph; names: GuestNames } {
  const raw = new Map<string, string>();
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab > 0) raw.set(line.slice(0, tab), line.slice(tab + 1));
  }
  const objects = [...new Set([...raw.keys()].filter((k) => k.endsWith('/parent')).map((k) => k.slice(0, -'/parent'.length)))].filter((o) => !/^pmem\d+$/.test(o));
  const dports = (n: string) =>
    [...raw.entries()].filter(([k]) => k.startsWith(`${n}/dport`)).map(([k, v]) => ({ id: Number(k.slice(`${n}/dport`.length)), real: v }));
  const graph: Graph = {};
  const names: GuestNames = { rootDecoders: [], ports: {}, portDecoders: {}, devices: [] };

  const root = objects.find((o) => /^root\d+$/.test(o));
  if (root) graph['root/dports'] = sortedNums(dports(root).map((d) => d.id));

  // Where each port sits: a host bridge is named by its PCI bus; anything below by the parent's dport id it hangs off.
  const place = new Map<string, { loc: string; kind: 'hb' | 'switch' | 'endpoint' }>();
  const locate = (n: string, depth = 0): { loc: string; kind: 'hb' | 'switch' | 'endpoint' } | undefined => {
    if (place.has(n) || depth > 8) return place.get(n);
    const parent = raw.get(`${n}/parent`);
    if (!parent) return undefined;
    let result: { loc: string; kind: 'hb' | 'switch' | 'endpoint' } | undefined;
    if (parent === root) {
      const bus = /pci0000:([0-9a-f]+)$/.exec(raw.get(`${n}/uport`) ?? '')?.[1];
      if (bus !== undefined) result = { loc: `hb${parseInt(bus, 16)}`, kind: 'hb' };
    } else {
      const up = locate(parent, depth + 1);
      const via = dports(parent).find((d) => d.real === raw.get(`${n}/parent_dport`));
      if (up && via) {
        const loc = up.kind === 'hb' ? `${up.loc}/rp${via.id}` : `${up.loc}/ds${via.id}`;
        result = { loc, kind: n.startsWith('endpoint') ? 'endpoint' : 'switch' };
      }
    }
    if (result) place.set(n, result);
    return result;
  };

  for (const n of objects.filter((o) => o !== root).sort()) {
    const p = locate(n);
    const decoders = (raw.get(`${n}/decoders`) ?? '').split(' ').filter(Boolean).sort(byIndex);
    if (!p) {
      graph[`unplaced/${n}`] = raw.get(`${n}/parent`) ?? '';
      continue;
    }
    if (p.kind === 'endpoint') {
      const memdev = (raw.get(`${n}/uport`) ?? '').split('/').pop() ?? '';
      const serial = Number(raw.get(`${memdev}/serial`) ?? NaN);
      graph[`${p.loc}/endpoint`] = Number.isNaN(serial) ? `(${memdev} has no serial)` : `0x${serial.toString(16)}`;
      graph[`${p.loc}/endpoint/decoders`] = String(decoders.length);
      names.devices.push({ serial, path: p.loc, memdev, endpoint: n, decoders });
      continue;
    }
    const key = p.kind === 'hb' ? p.loc : `${p.loc}/switch`;
    names.ports[key] = n;
    names.portDecoders[n] = decoders;
    graph[`${key}/dports`] = sortedNums(dports(n).map((d) => d.id));
    graph[`${key}/decoders`] = String(decoders.length);
  }

  if (root) {
    const rootDecoders = (raw.get(`${root}/decoders`) ?? '').split(' ').filter(Boolean).sort(byIndex);
    names.rootDecoders = rootDecoders;
    rootDecoders.forEach((d, k) => {
      const at = `root/decoder${k}`;
      for (const a of ['target_list', 'interleave_ways', 'interleave_granularity', 'size']) graph[`${at}/${a}`] = raw.get(`${d}/${a}`) ?? '(absent)';
      graph[`${at}/caps`] = ['pmem', 'ram', 'type2', 'type3'].filter((c) => raw.get(`${d}/cap_${c}`) === '1').join(' ');
    });
  }
  for (const dev of names.devices) {
    const at = `device 0x${dev.serial.toString(16)}`;
    for (const a of ['ram_size', 'pmem_size', 'label_storage_size']) graph[`${at}/${a}`] = raw.get(`${dev.memdev}/${a}`) ?? '(absent)';
    // The nvdimm cxl_pmem registers for a device with persistent capacity, and the driver it bound.
    const nvdimm = [...raw.entries()].find(([k, v]) => /^pmem\d+\/parent$/.test(k) && v === dev.memdev);
    if (nvdimm) graph[`${at}/nvdimm`] = raw.get(nvdimm[0].replace('/parent', '/driver')) ?? '-';
  }
  return { graph, names };
}
