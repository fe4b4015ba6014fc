// Shared helpers for the model tests: the observed boot facts of the default topology, action builders, and a
// runner that applies predictions in order. Expected values live in the tests, never here.
import type { ExecutionContext } from 'ava';
import { predict, type Prediction } from '../../../harness/model/predict.ts';
import { render, type Snapshot } from '../../../harness/model/render.ts';
import { initialState, type ModelState } from '../../../harness/model/state.ts';
import { parseFacts } from '../../../harness/run/facts.ts';
import type { Action } from '../../../harness/scenario/types.ts';
import { defaultTopology } from '../../../harness/topology/default.ts';
import type { Topology } from '../../../harness/topology/types.ts';

export const CXL = '/sys/bus/cxl/devices/';
export const MEMORY = '/sys/devices/system/memory/';
export const SZ_256M = 268435456;

/**
 * What FACTS_COMMAND prints on the observed guest (ground-truth.md "Boot and the stock kmem path"): Debian 7.2.13,
 * 128 MiB blocks (block_size_bytes 8000000), the cxl drivers listed there, kmem and device_dax loaded, `-cpu
 * max,-hypervisor` (no hypervisor flag), and auto_online_blocks as booted (§3: the Kconfig default offline unless
 * memhp_default_state= sets another).
 */
export function factsText(cmdline: string, autoOnlineAsBooted = 'offline'): string {
  return [
    '7.2.13+deb14-amd64',
    cmdline,
    '8000000',
    'cxl_dax_region cxl_mem cxl_nvdimm cxl_nvdimm_bridge cxl_pmem_region cxl_port cxl_region',
    'device_dax kmem',
    '0',
    autoOnlineAsBooted,
    '',
  ].join('\n');
}

/** The boot snapshot's root decoder lines (observed: decoder0.0 start 0x2d0000000, size 0x100000000). */
export const bootSnapshot: Snapshot = {
  'cxl/decoder0.0/create_ram_region': 'region0',
  'cxl/decoder0.0/start': '0x2d0000000',
  'cxl/decoder0.0/size': '0x100000000',
};

export const cmdlineWith = (policy?: string) =>
  `console=ttyS0 panic=-1${policy === undefined ? '' : ` memhp_default_state=${policy}`}`;

/** The model's state at boot; `policy` is memhp_default_state= (absent: not on the command line). */
export function boot(policy: string | undefined = 'offline', topology: Topology = defaultTopology, extra = ''): ModelState {
  const cmdline = `${cmdlineWith(policy)}${extra ? ` ${extra}` : ''}`;
  const booted = policy === 'online' || policy === 'online_kernel' || policy === 'online_movable' ? policy : 'offline';
  return initialState(topology, parseFacts(factsText(cmdline, booted), bootSnapshot));
}

/** The default topology with a bigger device, for regions of more than two blocks. */
export function withDeviceMiB(volatileMiB: number): Topology {
  const t = structuredClone(defaultTopology);
  t.hostBridges[0]!.rootPorts[0]!.device!.volatileMiB = volatileMiB;
  return t;
}

export const write = (path: string, value: string | number): Action => ({ kind: 'write', path: path.startsWith('/') ? path : CXL + path, value: String(value) });
export const bind = (device: string, driver = 'cxl_region'): Action => ({ kind: 'bind', bus: 'cxl', driver, device });
export const unbind = (device: string, driver = 'cxl_region'): Action => ({ kind: 'unbind', bus: 'cxl', driver, device });
export const blocks = (region: string, state: string): Action => ({ kind: 'blocks', region, state });
export const memState = (block: number, value: string): Action => write(`${MEMORY}memory${block}/state`, value);

/** scenarios/stock/kmem.yaml up to and including commit (steps 1–8). */
export const stockSetup: Action[] = [
  write('decoder0.0/create_ram_region', 'region0'),
  write('region0/interleave_granularity', 256),
  write('region0/interleave_ways', 1),
  write('decoder2.0/mode', 'ram'),
  write('decoder2.0/dpa_size', SZ_256M),
  write('region0/size', SZ_256M),
  write('region0/target0', 'decoder2.0'),
  write('region0/commit', 1),
];

/** Applies actions in order; every one must be predicted to succeed. */
export function apply(t: ExecutionContext, state: ModelState, actions: Action[]): ModelState {
  for (const a of actions) {
    const p = predict(state, a);
    t.deepEqual(p.result, ['ok'], `setup step ${JSON.stringify(a)} (${p.gap ?? 'no gap'})`);
    state = p.state;
  }
  return state;
}

/** A refused action: exactly the documented errno, and neither the state nor its rendering changes. */
export function refused(t: ExecutionContext, state: ModelState, action: Action, errno: string, why: string): Prediction {
  const p = predict(state, action);
  t.deepEqual(p.result, [errno], why);
  t.deepEqual(render(p.state), render(state), `${why}: the rendered state must not change`);
  t.deepEqual(p.state, state, `${why}: the model state must not change`);
  return p;
}

/** Keys of the families the observations name (cxl/, dax/, memory/memoryN/, node/); other families are tested on their own. */
export const observedFamilies = (s: Snapshot): Snapshot =>
  Object.fromEntries(Object.entries(s).filter(([k]) => /^(cxl|dax|node)\/|^memory\/memory\d+\//.test(k)));

export const keysUnder = (s: Snapshot, prefix: string) => Object.keys(s).filter((k) => k === prefix || k.startsWith(`${prefix}/`));
