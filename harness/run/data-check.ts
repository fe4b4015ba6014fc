// The data-placement check: tags written through a committed region's host physical addresses (busybox devmem) must
// sit in the devices' backing files where the interleave arithmetic puts them; a kernel that programs decoders in the
// wrong order fails here even when sysfs looks right.
import { open } from 'node:fs/promises';
import type { Finding } from '../diff/diff.ts';
import type { GuestSession } from '../guest/session.ts';
import { findEndpointDecoder } from '../model/attach.ts';
import type { ModelState, Region } from '../model/state.ts';
import { backingFiles } from '../topology/argv.ts';
import { placement } from '../topology/interleave.ts';
import { placedDevices } from '../topology/place.ts';
import type { Topology } from '../topology/types.ts';

export interface Sample {
  offset: bigint;
  tag: bigint;
}

/** Offsets that hit every position in the first rows, then spread over the region; 8-byte aligned. */
export function sampleOffsets(r: Region, samples: number): bigint[] {
  const g = BigInt(r.granularity);
  const out: bigint[] = [];
  for (let k = 0n; out.length < samples; k++) {
    const off = k < BigInt(2 * r.ways) ? k * g + ((k * 40n) % g) : ((k * 2654435761n) % (r.size / 8n)) * 8n;
    if (!out.includes(off)) out.push(off);
  }
  return out;
}

/** Where the model says a region offset lives: which device (by serial), which backing file, and where in it. */
export function expectedLocation(state: ModelState, topology: Topology, r: Region, offset: bigint, backingDir: string): { serial: number; file: string; fileOffset: bigint } {
  const { position, deviceOffset } = placement(offset, r.ways, r.granularity);
  const { e, d } = findEndpointDecoder(state, r.targets[position]!)!;
  const device = placedDevices(topology).find((p) => p.device.serial === e.serial)!.device;
  const files = backingFiles(backingDir, device);
  // DPA runs over the RAM partition first, then PMEM; each has its own backing file.
  const dpa = d.dpaStart! + deviceOffset;
  return r.mode === 'ram' ? { serial: e.serial, file: files.volatile!, fileOffset: dpa } : { serial: e.serial, file: files.persistent!, fileOffset: dpa - e.ramBytes };
}

async function read64(file: string, at: bigint): Promise<bigint> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(8);
    await fh.read(buf, 0, 8, Number(at));
    return buf.readBigUInt64LE(0);
  } finally {
    await fh.close();
  }
}

const hex = (v: bigint) => `0x${v.toString(16)}`;

export async function dataCheck(guest: GuestSession, state: ModelState, topology: Topology, r: Region, samples: number, backingDir: string): Promise<{ ok: boolean; findings: Finding[]; message?: string }> {
  if (r.state !== 'commit' || r.resource === undefined) return { ok: false, findings: [], message: `${r.name} is not committed: no address to write through` };
  if (state.blocks.some((b) => b.region === r.name)) return { ok: false, findings: [], message: `${r.name}'s memory is hot-added: writing tags would corrupt memory the kernel uses` };
  const seed = BigInt(Date.now() & 0xffff) << 32n;
  const list: Sample[] = sampleOffsets(r, samples).map((offset, k) => ({ offset, tag: 0xc0de000000000000n | seed | BigInt(k) }));
  const cmd = list.map((s) => `devmem ${hex(r.resource! + s.offset)} 64 ${hex(s.tag)}`).join(' && ');
  const w = await guest.exec(cmd, 60_000);
  if (w.code !== 0) return { ok: false, findings: [], message: `devmem failed: ${w.stderr.trim().split('\n').slice(-2).join(' | ')}` };
  const findings: Finding[] = [];
  for (const s of list) {
    const want = expectedLocation(state, topology, r, s.offset, backingDir);
    const got = await read64(want.file, want.fileOffset);
    if (got === s.tag) continue;
    // Look for the tag at the same device offset of every other position: a swapped position shows up there.
    let seen = 'nowhere the interleave could have put it';
    for (let p = 0; p < r.ways; p++) {
      const { deviceOffset } = placement(s.offset, r.ways, r.granularity);
      const other = findEndpointDecoder(state, r.targets[p]!)!;
      const dev = placedDevices(topology).find((x) => x.device.serial === other.e.serial)!.device;
      const f = backingFiles(backingDir, dev);
      const file = r.mode === 'ram' ? f.volatile! : f.persistent!;
      const at = other.d.dpaStart! + deviceOffset - (r.mode === 'ram' ? 0n : other.e.ramBytes);
      if ((await read64(file, at)) === s.tag) seen = `device sn ${hex(BigInt(other.e.serial))} at ${hex(at)} (position ${p})`;
    }
    findings.push({ key: `data/${r.name}+${hex(s.offset)}`, expected: `device sn ${hex(BigInt(want.serial))} at ${hex(want.fileOffset)}`, observed: seen });
  }
  return { ok: findings.length === 0, findings };
}
