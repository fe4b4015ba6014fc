// Endpoint decoder mode and DPA allocation (drivers/cxl/core/port.c mode_store/dpa_size_store, hdm.c).
import { accept, refuse, type Result } from './facts.ts';
import { outOfRange, parseKernelInt, sysfsStreq, U64_MAX } from './parse.ts';
import { SZ_256M, type Endpoint, type EndpointDecoder } from './state.ts';

/** cxl_dpa_set_part: QEMU devices register only non-empty partitions (mbox.c add_part), RAM first. */
export function writeMode(e: Endpoint, d: EndpointDecoder, value: string): Result {
  const mode = sysfsStreq(value, 'ram') ? 'ram' : sysfsStreq(value, 'pmem') ? 'pmem' : undefined;
  if (!mode) return refuse('mode.value');
  if (d.committed) return refuse('mode.enabled');
  if ((mode === 'ram' ? e.ramBytes : e.pmemBytes) === 0n) return refuse('mode.no-partition');
  d.mode = mode;
  return accept();
}

/** The port's hdm_end: the highest decoder holding DPA (allocations go up in id order, frees come down). */
function hdmEnd(e: Endpoint): number {
  return Math.max(-1, ...e.decoders.filter((x) => x.dpaSize > 0n).map((x) => x.index));
}

export function writeDpaSize(e: Endpoint, d: EndpointDecoder, value: string): Result {
  const v = parseKernelInt(value);
  if (v === undefined) return refuse('dpa.unparsable');
  if (outOfRange(v, U64_MAX)) return refuse('dpa.range');
  if (v % SZ_256M !== 0n) return refuse('dpa.alignment');
  // cxl_dpa_free first, whatever the new size.
  if (d.dpaSize > 0n) {
    if (d.region) return refuse('dpa.free-in-region');
    if (d.index !== hdmEnd(e)) return refuse('dpa.free-order');
    d.dpaSize = 0n;
    delete d.dpaStart;
  }
  if (v === 0n) return accept();
  if (d.mode === 'none') return refuse('dpa.partition-unset');
  // Allocation continues after the last allocation in the partition; a PMEM allocation skips the RAM partition.
  const [partStart, partSize] = d.mode === 'ram' ? [0n, e.ramBytes] : [e.ramBytes, e.pmemBytes];
  const inPart = e.decoders.filter((x) => x.dpaSize > 0n && x.mode === d.mode);
  const start = inPart.reduce((s, x) => (x.dpaStart! + x.dpaSize > s ? x.dpaStart! + x.dpaSize : s), partStart);
  if (v > partStart + partSize - start) return refuse('dpa.no-space');
  if (d.index !== hdmEnd(e) + 1) return refuse('dpa.order');
  d.dpaSize = v;
  d.dpaStart = start;
  return accept();
}
