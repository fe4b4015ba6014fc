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
  for (const d of s.dax) {
    const r = s.regions.find((x) => x.name === d.region)!;
    const node = s.roots.find((x) => x.name === r.root)!.node;
    out[`cxl/dax_region${d.id}`] = 'cxl_dax_region';
    out[`dax/${d.device}`] = d.driver;
    out[`dax/${d.device}/size`] = String(r.size);
    out[`dax/${d.device}/target_node`] = String(node);
  }
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
