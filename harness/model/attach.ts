// regionN/targetX writes (region.c store_targetN → cxl_region_attach): endpoint checks, position rules, port decoder
// allocation along the endpoint's ancestry, and the last target's programming of every port (cxl_port_setup_targets).
import { accept, refuse, type Result } from './facts.ts';
import { resetDecoders, rootOf } from './region.ts';
import { releaseRegionDriver } from './binding.ts';
import type { Endpoint, EndpointDecoder, ModelState, Port, PortDecoder, Region } from './state.ts';

/** QEMU's HDM decoder capability: 3/6/12/16-way only on Type-3 endpoints, address bits 8–14 on every decoder. */
const ENDPOINT_WAYS = [1, 2, 3, 4, 6, 8, 12, 16];
const PORT_WAYS = [1, 2, 4, 8];
const EIW: Record<number, number> = { 1: 0, 2: 1, 4: 2, 8: 3, 16: 4, 3: 8, 6: 9, 12: 10 };

/** check_interleave_cap: the ways are supported and the address bits they select are within bits 8–14. */
export function interleaveCapOk(ways: number, granularity: number, endpoint: boolean): boolean {
  if (!(endpoint ? ENDPOINT_WAYS : PORT_WAYS).includes(ways)) return false;
  const eiw = EIW[ways]!;
  if (eiw === 0 || eiw === 8) return true;
  const eig = Math.log2(granularity / 256);
  const high = eiw > 8 ? eiw + eig - 1 : eiw + eig + 7;
  return high <= 14;
}

export function findEndpointDecoder(state: ModelState, name: string): { e: Endpoint; d: EndpointDecoder } | undefined {
  for (const e of state.endpoints) {
    const d = e.decoders.find((x) => x.name === name);
    if (d) return { e, d };
  }
  return undefined;
}

/** Devices on the cxl bus besides endpoint decoders, for bus_find_device_by_name. */
function onCxlBus(state: ModelState, name: string): boolean {
  return (
    name === 'root0' ||
    state.roots.some((x) => x.name === name) ||
    state.ports.some((p) => p.name === name || p.decoders.some((d) => d.name === name)) ||
    state.endpoints.some((e) => e.memdev === name || e.port === name) ||
    state.regions.some((r) => r.name === name) ||
    state.devices.some((d) => d.name === name) ||
    state.dax.some((d) => `dax_region${d.id}` === name) ||
    state.pmem.some((p) => `pmem_region${p.id}` === name)
  );
}

export function writeTarget(state: ModelState, r: Region, pos: number, value: string): Result {
  if (value === '\n') {
    detachTarget(state, r, pos);
    return accept();
  }
  const name = value.replace(/\n$/, '');
  const found = findEndpointDecoder(state, name);
  if (!found) return onCxlBus(state, name) ? refuse('target.not-endpoint-decoder') : refuse('target.no-such-device');
  const { e, d } = found;
  if (!interleaveCapOk(r.ways, r.granularity, true)) return refuse('target.endpoint-interleave-cap');
  if (d.mode === 'none') return refuse('target.mode-none');
  if (d.mode !== r.mode) return refuse('target.mode-mismatch');
  if (r.state === 'active' || r.state === 'commit') return refuse('target.region-active');
  if (r.state === 'idle') return refuse('target.no-size');
  if (r.targets.filter(Boolean).length >= r.ways) return refuse('target.region-full');
  if (d.dpaSize === 0n) return refuse('target.no-dpa');
  if (d.dpaSize * BigInt(r.ways) !== r.size) return refuse('target.size-mismatch');
  // cxl_region_validate_position lets the same decoder through, but the attach then fails EBUSY (the ABI: the position is occupied).
  if (r.targets[pos]) return refuse('target.position-taken');
  if (r.targets.some((t) => t && findEndpointDecoder(state, t)?.e === e)) return refuse('target.same-memdev');
  const root = rootOf(state, r);
  if (e.hostBridge !== root.targets[pos % root.targets.length]) return refuse('target.position-host-bridge');
  const attached = attachPorts(state, r, e, d);
  if (attached) return attached;
  r.targets[pos] = d.name;
  d.region = r.name;
  d.ways = r.ways;
  d.granularity = r.granularity;
  if (r.targets.every(Boolean)) {
    const setup = setupTargets(state, r);
    // The ABI promises a final validation before activation; a write that fails it must leave the position empty.
    if (setup) {
      r.targets[pos] = '';
      delete d.region;
      delete d.ways;
      delete d.granularity;
      detachPorts(state, r, e);
      return setup;
    }
    r.state = 'active';
    return accept('target.last-activates');
  }
  return accept('target.attach');
}

/** The endpoint's regions on a port, by HPA: a region may only join a port above every region already there. */
function hpaOrderOk(state: ModelState, r: Region, regionsOnPort: string[]): boolean {
  return regionsOnPort.every((name) => {
    const other = state.regions.find((x) => x.name === name);
    return !other?.resource || other.resource < r.resource!;
  });
}

/** cxl_port_attach_region for the endpoint port and every switch and host bridge above it; undefined on success. */
function attachPorts(state: ModelState, r: Region, e: Endpoint, d: EndpointDecoder): Result | undefined {
  const onEndpoint = e.decoders.filter((x) => x.region && x.region !== r.name).map((x) => x.region!);
  if (!hpaOrderOk(state, r, onEndpoint)) return refuse('target.hpa-order');
  const claimed: PortDecoder[] = [];
  for (const { port } of [...e.ancestry].reverse()) {
    const p = state.ports.find((x) => x.name === port)!;
    if (p.decoders.some((x) => x.region === r.name)) continue;
    const free = freeDecoder(p);
    if (!free) {
      for (const c of claimed) delete c.region;
      return refuse('target.no-port-decoder');
    }
    const others = p.decoders.filter((x) => x.region).map((x) => x.region!);
    if (!hpaOrderOk(state, r, others)) {
      for (const c of claimed) delete c.region;
      return refuse('target.hpa-order');
    }
    free.region = r.name;
    claimed.push(free);
  }
  return undefined;
}

/** match_free_decoder: only the decoder right after the last committed one, and only if no region holds it. */
function freeDecoder(p: Port): PortDecoder | undefined {
  const commitEnd = Math.max(-1, ...p.decoders.filter((x) => x.committed).map((x) => x.index));
  const d = p.decoders.find((x) => x.index === commitEnd + 1);
  return d && !d.region ? d : undefined;
}

/** cxl_port_detach_region: a port keeps its decoder for the region while another target of the region still uses it. */
function detachPorts(state: ModelState, r: Region, e: Endpoint): void {
  for (const { port } of e.ancestry) {
    const p = state.ports.find((x) => x.name === port)!;
    const stillUsed = r.targets.some((t) => t && findEndpointDecoder(state, t)?.e.ancestry.some((a) => a.port === port));
    if (stillUsed) continue;
    for (const dec of p.decoders.filter((x) => x.region === r.name)) clearPortDecoder(dec);
  }
}

function clearPortDecoder(dec: PortDecoder): void {
  delete dec.region;
  dec.size = 0n;
  delete dec.start;
}

/** Detaching a position (writing an empty line): a committed region is reset first and its driver released. */
export function detachTarget(state: ModelState, r: Region, pos: number): void {
  const name = r.targets[pos];
  if (!name) return;
  if (r.state === 'commit') {
    releaseRegionDriver(state, r);
    resetDecoders(state, r);
  }
  // cxl_region_teardown_targets: every port's programming goes when the region stops being active.
  if (r.state === 'active') {
    for (const p of state.ports) for (const dec of p.decoders) if (dec.region === r.name) { dec.size = 0n; delete dec.start; }
    r.state = 'interleave_active';
  }
  const found = findEndpointDecoder(state, name)!;
  r.targets[pos] = '';
  delete found.d.region;
  delete found.d.ways;
  delete found.d.granularity;
  detachPorts(state, r, found.e);
}

/**
 * cxl_region_setup_targets: positions in order, each port from the host bridge down: the port interleaves across the
 * distinct dports the region uses below it, at the parent's granularity times the parent's ways; a dport already set
 * must have hosted the position one "distance" earlier.
 */
function setupTargets(state: ModelState, r: Region): Result | undefined {
  const root = rootOf(state, r);
  const eps = r.targets.map((t) => findEndpointDecoder(state, t)!.e);
  const dportsBelow = new Map<string, number[]>();
  for (const e of eps) for (const { port, dport } of e.ancestry) {
    const list = dportsBelow.get(port) ?? [];
    if (!list.includes(dport)) list.push(dport);
    dportsBelow.set(port, list);
  }
  const prog = new Map<string, { ways: number; granularity: number; targets: number[] }>();
  const fail = (id: string) => refuse(id);
  for (const [pos, e] of eps.entries()) {
    let parentIg = r.granularity;
    let parentIw = root.targets.length % 3 === 0 ? root.targets.length / 3 : root.targets.length;
    let distance = root.targets.length;
    for (const [level, { port, dport }] of e.ancestry.entries()) {
      const nrTargets = dportsBelow.get(port)!.length;
      if (!isPowerOfTwo(nrTargets)) return fail('setup.target-count');
      const p = prog.get(port);
      // distance = product of the ways of this port and every port above it, times the root's ways.
      distance = e.ancestry.slice(0, level + 1).reduce((n, a) => n * dportsBelow.get(a.port)!.length, root.targets.length);
      if (p) {
        if (p.targets.includes(dport)) {
          if (pos < distance) return fail('setup.cannot-host');
          const peer = eps[pos - distance]!;
          if (peer.ancestry[level]?.dport !== dport) return fail('setup.mismatched-peer');
        } else {
          if (p.targets.length === nrTargets) return fail('setup.targets-full');
          p.targets.push(dport);
        }
        parentIg = p.granularity;
        parentIw = p.ways;
        continue;
      }
      const ig = parentIg * parentIw;
      if (!isPowerOfTwo(ig) || ig < 256 || ig > 16384) return fail('setup.granularity');
      if (nrTargets > 8) return fail('setup.ways-overflow');
      if (!interleaveCapOk(nrTargets, ig, false)) return fail('setup.port-interleave-cap');
      prog.set(port, { ways: nrTargets, granularity: ig, targets: [dport] });
      parentIg = ig;
      parentIw = nrTargets;
    }
  }
  for (const [port, p] of prog) {
    const dec = state.ports.find((x) => x.name === port)!.decoders.find((x) => x.region === r.name)!;
    dec.ways = p.ways;
    dec.granularity = p.granularity;
    dec.targets = p.targets;
    dec.start = r.resource!;
    dec.size = r.size;
  }
  return undefined;
}

const isPowerOfTwo = (n: number) => n > 0 && (n & (n - 1)) === 0;
