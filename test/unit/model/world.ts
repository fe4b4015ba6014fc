// Test helper: booted model states with synthetic names, action builders, and runners over predict().
import type { ExecutionContext } from 'ava';
import { predict, snapshotKey, type Prediction } from '../../../harness/model/predict.ts';
import { BASE_CMDLINE } from '../../../harness/run/boot.ts';
import { expandScenario } from '../../../harness/scenario/expand.ts';
import { initialContext, resolveStep, resolveText } from '../../../harness/scenario/roles.ts';
import { interleaveOrder } from '../../../harness/topology/interleave.ts';
import { render, type Snapshot } from '../../../harness/model/render.ts';
import { initialState, type BootFacts, type ModelState } from '../../../harness/model/state.ts';
import type { Action, Scenario } from '../../../harness/scenario/types.ts';
import { loadTopologies, parseTopology } from '../../../harness/topology/load.ts';
import type { GuestNames } from '../../../harness/topology/guest-graph.ts';
import type { Topology } from '../../../harness/topology/types.ts';
import { readFileSync } from 'node:fs';
import { kernelNames, type ProbeOrder } from './kernel-names.ts';

// Test helper: model states booted from a topology with synthetic names and the boot facts of the observed guests
// (topologies.md), action builders, and a runner over predict(). Expected values live in the tests, not here.

export const CXL = '/sys/bus/cxl/devices/';
export const MEMORY = '/sys/devices/system/memory/';
export const SZ_256M = 256n << 20n;
/** topologies.md: window 0 at 0x2d0000000, window 1 at 0x3d0000000, 4 GiB each; memory blocks of 128 MiB (memory90 = 0x2d0000000). */
export const WINDOW0 = 0x2d0000000n;
export const WINDOW1 = 0x3d0000000n;

/** The cxl and dax drivers a stock guest registers (the harness's kernel configuration, cxl-sysfs-model.md §1.7, §2). */
export const STOCK_CXL = ['cxl_dax_region', 'cxl_mem', 'cxl_nvdimm', 'cxl_nvdimm_bridge', 'cxl_pmem_region', 'cxl_port', 'cxl_region'];
export const STOCK_DAX = ['device_dax', 'kmem'];
/** What the explicit DAX series adds on the cxl bus (P7, P8). */
export const SERIES_CXL = ['cxl_devdax_region', 'cxl_sysram_region', 'cxl_dax_kmem_region'];

export function bootFacts(over: Partial<BootFacts> = {}): BootFacts {
  return {
    release: '7.2.13+deb14-amd64',
    cmdline: 'console=ttyS0 panic=-1 loglevel=5 memhp_default_state=offline',
    blockSizeBytes: 0x8000000n,
    windowStarts: { 'decoder0.0': WINDOW0, 'decoder0.1': WINDOW1 },
    cxlDrivers: STOCK_CXL,
    daxDrivers: STOCK_DAX,
    series: [],
    builtInOnlineType: 'offline',
    ...over,
  };
}

const presets = new Map((await loadTopologies('all')).map((l) => [l.topology.name, l.topology] as const));
export function preset(name: string): Topology {
  const t = presets.get(name);
  if (!t) throw new Error(`no preset ${name}`);
  return structuredClone(t);
}
export function fixtureTopology(file: string): Topology {
  return parseTopology(readFileSync(new URL(`../../fixtures/topology/${file}`, import.meta.url), 'utf8'), file);
}

export function boot(t: Topology, order: ProbeOrder = {}, facts: Partial<BootFacts> = {}): ModelState {
  return initialState(t, kernelNames(t, order), bootFacts(facts));
}

/** A booted state and the names it was booted with, for ep(names, serial). */
export function booted(t: Topology, order: ProbeOrder = {}, facts: Partial<BootFacts> = {}): { s: ModelState; names: GuestNames } {
  const names = kernelNames(t, order);
  return { s: initialState(t, names, bootFacts(facts)), names };
}

const abs = (p: string) => (p.startsWith('/') ? p : CXL + p);
export const write = (path: string, value: string | number | bigint): Action => ({ kind: 'write', path: abs(path), value: String(value) });
export const read = (path: string): Action => ({ kind: 'read', path: abs(path) });
export const bind = (driver: string, device: string, bus: 'cxl' | 'dax' = 'cxl'): Action => ({ kind: 'bind', bus, driver, device });
export const unbind = (driver: string, device: string, bus: 'cxl' | 'dax' = 'cxl'): Action => ({ kind: 'unbind', bus, driver, device });
export const blocks = (region: string, state: string): Action => ({ kind: 'blocks', region, state });

export interface Region {
  root?: string;
  name?: string;
  mode?: 'ram' | 'pmem';
  uuid?: string;
  ways: number;
  granularity: number;
  /** Per device. */
  dpa?: bigint;
  /** Endpoint decoders in position order. */
  targets: string[];
  commit?: boolean;
}

/** topologies.md's working order: create, (uuid,) granularity, ways, size, per decoder mode and dpa_size, targets, commit. */
export function regionSteps(r: Region): Action[] {
  const name = r.name ?? 'region0';
  const mode = r.mode ?? 'ram';
  const dpa = r.dpa ?? SZ_256M;
  return [
    write(`${r.root ?? 'decoder0.0'}/create_${mode}_region`, name),
    ...(r.uuid ? [write(`${name}/uuid`, r.uuid)] : []),
    write(`${name}/interleave_granularity`, r.granularity),
    write(`${name}/interleave_ways`, r.ways),
    write(`${name}/size`, dpa * BigInt(r.ways)),
    ...r.targets.flatMap((d) => [write(`${d}/mode`, mode), write(`${d}/dpa_size`, dpa)]),
    ...r.targets.map((d, p) => write(`${name}/target${p}`, d)),
    ...(r.commit === false ? [] : [write(`${name}/commit`, 1)]),
  ];
}

export interface Outcome {
  errno: string;
  fact?: string;
  value?: string;
  state: ModelState;
  async: boolean;
}

/** One prediction; a gap reads as errno "GAP". */
export function step(s: ModelState, a: Action): Outcome {
  const p: Prediction = predict(s, a);
  if (p.gap || !p.result) return { errno: 'GAP', state: p.state, async: p.async };
  return { errno: p.result.join('|'), ...(p.fact ? { fact: p.fact } : {}), ...(p.value !== undefined ? { value: p.value } : {}), state: p.state, async: p.async };
}

const label = (a: Action) => (a.kind === 'write' ? `${JSON.stringify(a.value)} > ${a.path}` : JSON.stringify(a));

/** Applies actions that must all succeed; the failing one is named. */
export function run(t: ExecutionContext, s: ModelState, actions: Action[]): ModelState {
  for (const a of actions) {
    const o = step(s, a);
    if (o.errno !== 'ok') {
      t.fail(`${label(a)}: ${o.errno}${o.fact ? ` (${o.fact})` : ''}`);
      throw new Error(`step refused: ${label(a)}`);
    }
    s = o.state;
  }
  return s;
}

/** Applies actions, returning every errno (state threads through refusals, which must not change it). */
export function results(s: ModelState, actions: Action[]): { errnos: string[]; facts: (string | undefined)[]; state: ModelState } {
  const errnos: string[] = [];
  const facts: (string | undefined)[] = [];
  for (const a of actions) {
    const o = step(s, a);
    errnos.push(o.errno);
    facts.push(o.fact);
    s = o.state;
  }
  return { errnos, facts, state: s };
}

/** The errno of one action, and a check that a refusal changed nothing the guest could see. */
export function refused(t: ExecutionContext, s: ModelState, a: Action, errno: string, fact?: string): void {
  const o = step(s, a);
  t.is(o.errno, errno, label(a));
  if (fact) t.is(o.fact, fact, label(a));
  if (errno !== 'ok') t.deepEqual(render(o.state), render(s), `${label(a)} changed the state`);
}

export const snap = (s: ModelState): Snapshot => render(s);
/** The snapshot keys under a prefix (e.g. "cxl/decoder2.0/"), without the prefix. */
export function under(s: ModelState, prefix: string): Record<string, string> {
  return Object.fromEntries(Object.entries(render(s)).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
}

/**
 * A scenario run against the model alone, threading roles as harness/run/steps.ts does: context updates, the
 * offered region name read (here from the model's own rendering) before a create step, ${region} after it.
 */
export function dryRun(s: Scenario, topology: Topology, variant: string, order: ProbeOrder = {}, facts: Partial<BootFacts> = {}): { name: string; errno: string; fact?: string }[] {
  const expansion = expandScenario(s, topology);
  if ('notApplicable' in expansion) throw new Error(`${s.name} on ${topology.name}: ${expansion.notApplicable}`);
  const v = s.variants.find((x) => x.name === variant);
  if (!v) throw new Error(`${s.name} has no variant ${variant}`);
  const names = kernelNames(topology, order);
  let state = initialState(topology, names, bootFacts({ cmdline: [...BASE_CMDLINE, ...v.cmdline].join(' '), ...facts }));
  const roles = initialContext(names, interleaveOrder(topology, 0, 'ram').map((d) => d.device.serial));
  const out: { name: string; errno: string; fact?: string }[] = [];
  for (const raw of expansion.steps) {
    if (raw.context) Object.assign(roles, raw.context);
    if (raw.useRegion) roles.region = roles.named[raw.useRegion];
    if (raw.createFrom) roles.offer = render(state)[snapshotKey(resolveText(raw.createFrom, roles))!];
    const resolved = resolveStep(raw, roles);
    const o = step(state, resolved.action);
    out.push({ name: resolved.name, errno: o.errno, ...(o.fact ? { fact: o.fact } : {}) });
    if (raw.createFrom && o.errno === 'ok') {
      roles.region = roles.offer;
      if (raw.regionAs && roles.offer) roles.named[raw.regionAs] = roles.offer;
    }
    delete roles.offer;
    state = o.state;
  }
  return out;
}
