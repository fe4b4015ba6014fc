// Model state → the snapshot the guest's images/guest/snapshot script prints, key for key.
import { validZones } from './memory.ts';
import type { ModelState } from './state.ts';

export type Snapshot = Record<string, string>;

const hex = (v: bigint) => `0x${v.toString(16)}`;
/** The kernel's %pa: 0x and 16 hex digits. */
const pa = (v: bigint) => `0x${v.toString(16).padStart(16, '0')}`;

export function render(s: ModelState): Snapshot {
  const out: Snapshot = {};
  for (const r of s.roots) {
    out[`cxl/${r.name}/create_ram_region`] = `region${r.nextId}`;
    out[`cxl/${r.name}/start`] = hex(r.start);
    out[`cxl/${r.name}/size`] = hex(r.size);
  }
  for (const e of s.endpoints) {
    out[`cxl/${e.name}/mode`] = e.mode;
    out[`cxl/${e.name}/dpa_size`] = pa(e.dpaSize);
  }
  for (const r of s.regions) {
    const k = `cxl/${r.name}`;
    out[k] = r.driver ?? '-';
    out[`${k}/commit`] = r.committed ? '1' : '0';
    out[`${k}/size`] = hex(r.size);
    out[`${k}/resource`] = r.resource === undefined ? '0xffffffffffffffff' : hex(r.resource);
    out[`${k}/interleave_ways`] = String(r.ways);
    out[`${k}/interleave_granularity`] = String(r.granularity);
    r.targets.forEach((t, i) => (out[`${k}/target${i}`] = t));
  }
  for (const x of s.sysram) {
    out[`cxl/sysram_region${x.id}`] = x.driver ?? '-';
    out[`cxl/sysram_region${x.id}/online_type`] = x.onlineType;
  }
  for (const d of s.dax) {
    const r = s.regions.find((x) => x.name === d.region)!;
    const node = s.roots.find((x) => x.name === r.root)!.node;
    out[`cxl/dax_region${d.id}`] = 'cxl_dax_region';
    out[`dax/${d.device}`] = d.driver ?? '-';
    out[`dax/${d.device}/size`] = String(r.size);
    out[`dax/${d.device}/target_node`] = String(node);
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
      out[`${win}/${r.name}`] = rr;
      for (const d of s.dax.filter((x) => x.region === r.name && (x.driver || x.memoryHeld))) {
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
  const out: Snapshot = {};
  for (const line of text.split('\n')) {
    if (!line) continue;
    const tab = line.indexOf('\t');
    if (tab < 0) out[line] = '';
    else out[line.slice(0, tab)] = line.slice(tab + 1);
  }
  return out;
}
