// Model state → the snapshot images/guest/libexec/snapshot prints, key for key.
import { validZones } from './memory.ts';
import type { ModelState } from './state.ts';

export type Snapshot = Record<string, string>;

const hex = (v: bigint | number) => `0x${v.toString(16)}`;
/** The kernel's %pa: 0x and 16 hex digits. */
const pa = (v: bigint) => `0x${v.toString(16).padStart(16, '0')}`;
const NO_RESOURCE = '0xffffffffffffffff';

export function render(s: ModelState): Snapshot {
  const out: Snapshot = {};
  for (const r of s.roots) {
    out[`cxl/${r.name}/create_ram_region`] = `region${r.nextId}`;
    out[`cxl/${r.name}/create_pmem_region`] = `region${r.nextId}`;
    out[`cxl/${r.name}/start`] = hex(r.start);
    out[`cxl/${r.name}/size`] = hex(r.size);
  }
  for (const p of s.ports) {
    for (const d of p.decoders) {
      const k = `cxl/${d.name}`;
      out[`${k}/region`] = d.region ?? '';
      // Programming is shown once the region is committed; before that the registers may hold an earlier region's.
      if (d.region && s.regions.find((r) => r.name === d.region)?.state === 'commit') {
        out[`${k}/interleave_ways`] = String(d.ways);
        out[`${k}/interleave_granularity`] = String(d.granularity);
        out[`${k}/target_list`] = d.targets.join(',');
        out[`${k}/start`] = hex(d.start!);
        out[`${k}/size`] = hex(d.size);
      }
    }
  }
  for (const e of s.endpoints) {
    for (const d of e.decoders) {
      const k = `cxl/${d.name}`;
      out[`${k}/mode`] = d.mode;
      out[`${k}/dpa_size`] = pa(d.dpaSize);
      out[`${k}/dpa_resource`] = d.dpaStart === undefined ? NO_RESOURCE : hex(d.dpaStart);
      out[`${k}/region`] = d.region ?? '';
      if (d.region) {
        const r = s.regions.find((x) => x.name === d.region)!;
        out[`${k}/interleave_ways`] = String(d.ways);
        out[`${k}/interleave_granularity`] = String(d.granularity);
        out[`${k}/start`] = hex(r.resource!);
        out[`${k}/size`] = hex(r.size);
      }
    }
  }
  for (const r of s.regions) {
    const k = `cxl/${r.name}`;
    out[k] = r.driver ?? '-';
    out[`${k}/mode`] = r.mode;
    if (r.mode === 'pmem') out[`${k}/uuid`] = r.uuid;
    out[`${k}/commit`] = r.state === 'commit' ? '1' : '0';
    // QEMU never sets an HDM decoder's lock bit, so no region is locked.
    out[`${k}/locked`] = '0';
    out[`${k}/size`] = hex(r.size);
    out[`${k}/resource`] = r.resource === undefined ? NO_RESOURCE : hex(r.resource);
    out[`${k}/interleave_ways`] = String(r.ways);
    out[`${k}/interleave_granularity`] = String(r.granularity);
    r.targets.forEach((t, i) => (out[`${k}/target${i}`] = t));
  }
  for (const d of s.devices) {
    out[`cxl/${d.name}`] = d.driver ?? '-';
    for (const [a, v] of Object.entries(d.attrs)) out[`cxl/${d.name}/${a}`] = v;
  }
  for (const p of s.pmem) out[`cxl/pmem_region${p.id}`] = 'cxl_pmem_region';
  for (const d of s.dax) {
    const r = s.regions.find((x) => x.name === d.region)!;
    const node = s.roots.find((x) => x.name === r.root)!.node;
    out[`cxl/dax_region${d.id}`] = 'cxl_dax_region';
    out[`dax/${d.device}`] = d.driver ?? '-';
    out[`dax/${d.device}/size`] = String(r.size);
    out[`dax/${d.device}/target_node`] = String(node);
    for (const [a, v] of Object.entries(d.attrs)) out[`dax/${d.device}/${a}`] = v;
  }
  out['memory/auto_online_blocks'] = s.autoOnline;
  Object.assign(out, iomem(s));
  for (const b of s.blocks) {
    out[`memory/memory${b.id}/state`] = b.online ? 'online' : 'offline';
    out[`memory/memory${b.id}/valid_zones`] = validZones(s, b);
  }
  const kbPerBlock = s.blockSize / 1024n;
  for (const n of s.nodes) {
    const online = s.blocks.filter((b) => b.node === n && b.online).length;
    out[`node/node${n}/MemTotal`] = String(BigInt(online) * kbPerBlock);
  }
  return out;
}

const range = (start: bigint, size: bigint) => `${start.toString(16)}-${(start + size - 1n).toString(16)}`;

/** /proc/iomem inside the windows: window, region, the dax device while a driver holds it, kmem's System RAM while added. */
function iomem(s: ModelState): Snapshot {
  const out: Snapshot = {};
  s.roots.forEach((root, k) => {
    const win = `iomem/CXL Window ${k}`;
    out[win] = range(root.start, root.size);
    for (const r of s.regions.filter((x) => x.root === root.name && x.resource !== undefined)) {
      const rr = range(r.resource!, r.size);
      // A bound pmem region's nvdimm region inserts "Persistent Memory" around it (libnvdimm's region resource).
      const at = s.pmem.some((p) => p.region === r.name) ? `${win}/Persistent Memory` : win;
      if (at !== win) out[at] = rr;
      out[`${at}/${r.name}`] = rr;
      // device_dax and kmem (while it holds the memory) reserve the range under the device's name.
      for (const d of s.dax.filter((x) => x.region === r.name && (x.driver === 'device_dax' || x.memoryHeld))) {
        out[`${win}/${r.name}/${d.device}`] = rr;
        if (d.memoryHeld) out[`${win}/${r.name}/${d.device}/System RAM (kmem)`] = rr;
      }
    }
    for (const l of s.leaks.filter((x) => x.start >= root.start && x.start < root.start + root.size)) {
      const parent = s.regions.some((r) => r.name === l.region && r.resource === l.start) ? `${win}/${l.region}` : win;
      out[`${parent}/${l.device}`] = range(l.start, l.size);
      out[`${parent}/${l.device}/System RAM (kmem)`] = range(l.start, l.size);
    }
  });
  return out;
}

/** Reads the snapshot script's "key<TAB>value" lines. */
export function parseSnapshot(text: string): Snapshot {
  const entries: [string, string][] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const tab = line.indexOf('\t');
    entries.push(tab < 0 ? [line, ''] : [line.slice(0, tab), line.slice(tab + 1)]);
  }
  // Keys in byte order, as the guest's sort printed them before the guest stopped sorting (one fork less per observation).
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
