// The model's step function: (state, action) → the result the facts predict, a read's value, the next state, and
// whether asynchronous probes follow; or a gap when no fact covers the action.
import { describeAction } from '../scenario/describe.ts';
import type { Action } from '../scenario/types.ts';
import { writeTarget } from './attach.ts';
import { bindCxl, probeCxl, unbindCxl } from './binding.ts';
import { bindDax, probeDax, unbindDax, writeDaxId } from './dax.ts';
import { writeDpaSize, writeMode } from './endpoint.ts';
import { accept, refuse, type Result } from './facts.ts';
import { writeBlockState } from './memory.ts';
import { createRegion, deleteRegion, writeCommit, writeGranularity, writeSize, writeUuid, writeWays } from './region.ts';
import { render } from './render.ts';
import { writeDaxAttr, writeDeviceAttr } from './series/apply.ts';
import type { ModelState } from './state.ts';

export interface Prediction {
  /** Results the facts allow; undefined when the model does not cover the action. */
  result?: string[];
  /** The fact that decided, when one did. */
  fact?: string;
  /** For reads. */
  value?: string;
  state: ModelState;
  /** Asynchronous probes follow the write: the observation must poll until it settles. */
  async: boolean;
  /** Why the model cannot predict, when it cannot. */
  gap?: string;
  /** Other outcomes the documents allow, each with the state it leaves (memory that may refuse to go offline). */
  alternatives?: { result: string[]; fact: string; state: ModelState }[];
  /** The documents do not decide part of this step's outcome: the report shows what the kernel did instead of judging. */
  undocumented?: string;
}

const CXL = '/sys/bus/cxl/devices/';
const DAX = '/sys/bus/dax/devices/';
/** Read-only userspace commands: they must succeed and change nothing. */
const LISTING = /^(cxl|daxctl|ndctl) list( |$)/;

export function predict(before: ModelState, action: Action): Prediction {
  const state = structuredClone(before);
  const gap = (): Prediction => ({ state: before, async: false, gap: `the model does not cover: ${describeAction(action)}` });
  const done = (r: Result | undefined, async = false): Prediction =>
    r === undefined
      ? gap()
      : {
          result: [r.errno],
          ...(r.fact ? { fact: r.fact } : {}),
          state,
          async,
          ...(r.alternative ? { alternatives: [{ result: [r.alternative.errno], fact: r.alternative.fact, state: before }] } : {}),
          ...(r.undocumented ? { undocumented: r.undocumented } : {}),
        };
  switch (action.kind) {
    case 'write': {
      // echo appends a newline: the kernel sees value + "\n", which its parsers and length checks count.
      const [r, async] = writePath(state, action.path, `${action.value}\n`);
      return done(r, async);
    }
    case 'read':
    case 'poll': {
      const key = snapshotKey(action.path);
      const value = key === undefined ? undefined : render(before)[key];
      if (action.kind === 'poll') return key === undefined ? gap() : done(action.value === undefined ? (value !== undefined ? accept() : { errno: 'ETIMEDOUT' }) : value === action.value ? accept() : { errno: 'ETIMEDOUT' });
      if (key === undefined) return gap();
      const fact = readFact(before, action.path);
      return value === undefined ? done({ errno: 'ENOENT' }) : { result: ['ok'], value, state, async: false, ...(fact ? { fact } : {}) };
    }
    case 'bind':
    case 'unbind': {
      const drivers = action.bus === 'cxl' ? state.cxlDrivers : state.daxDrivers;
      // The bind file of a driver this kernel lacks does not exist.
      if (!drivers.includes(action.driver)) return done(refuse('bind.no-driver'));
      if (action.bus === 'dax') return done((action.kind === 'bind' ? bindDax : unbindDax)(state, action.driver, action.device), true);
      return done((action.kind === 'bind' ? bindCxl : unbindCxl)(state, action.driver, action.device), true);
    }
    case 'blocks': {
      // As the runner does: every block-sized step of the region's range, whether or not a block is there.
      const r = state.regions.find((x) => x.name === action.region);
      if (r?.resource === undefined) return done({ errno: 'ENOENT' });
      for (let a = r.resource; a < r.resource + r.size; a += state.blockSize) {
        const b = state.blocks.find((x) => BigInt(x.id) * state.blockSize === a);
        const res = b ? writeBlockState(state, b, `${action.state}\n`) : { errno: 'ENOENT' };
        if (res.errno !== 'ok') return done(res);
      }
      return done(accept('memory.state.set'));
    }
    case 'run':
      return LISTING.test(action.command) ? done(accept()) : gap();
    case 'kexec':
      // The runner predicts it with the next kernel's names (model/kexec.ts): names are boot facts.
      return gap();
    case 'data':
    case 'selftest':
    case 'requires':
      // Checked by the runner against the model's own arithmetic or the guest's own verdicts; the state does not change.
      return { result: ['ok'], state, async: false };
  }
}

/** A read whose value a documented fact speaks to (and may contradict). */
function readFact(state: ModelState, path: string): string | undefined {
  const m = /^\/sys\/bus\/cxl\/devices\/(region\d+)\/locked$/.exec(path);
  return m && state.regions.find((r) => r.name === m[1])?.auto ? 'auto-region.unlocked' : undefined;
}

/** Sysfs path → the snapshot key that mirrors it, for reads. */
export function snapshotKey(path: string): string | undefined {
  if (path.startsWith(CXL)) return `cxl/${path.slice(CXL.length)}`;
  if (path.startsWith(DAX)) return `dax/${path.slice(DAX.length)}`;
  const m = /^\/sys\/devices\/system\/memory\/(memory\d+\/(state|valid_zones)|auto_online_blocks)$/.exec(path);
  return m ? `memory/${m[1]}` : undefined;
}

const ONLINE_TYPES = ['offline', 'online', 'online_kernel', 'online_movable'];

function writePath(state: ModelState, path: string, value: string): [Result | undefined, boolean?] {
  const block = /^\/sys\/devices\/system\/memory\/memory(\d+)\/state$/.exec(path);
  if (block) {
    const b = state.blocks.find((x) => x.id === Number(block[1]));
    return [b ? writeBlockState(state, b, value) : refuse('sysfs.no-such-device')];
  }
  if (path === '/sys/devices/system/memory/auto_online_blocks') {
    const v = value.replace(/\n$/, '');
    if (!ONLINE_TYPES.includes(v)) return [refuse('memory.auto-online.value')];
    state.autoOnline = v as ModelState['autoOnline'];
    return [accept()];
  }
  const bus = /^\/sys\/bus\/(cxl|dax)\/(drivers_probe|drivers_autoprobe)$/.exec(path);
  if (bus?.[2] === 'drivers_autoprobe') {
    // drivers_autoprobe_store: "0" turns it off, anything else on.
    state.autoprobe[bus[1] as 'cxl' | 'dax'] = !value.startsWith('0');
    return [accept('probe.autoprobe')];
  }
  if (bus) return [bus[1] === 'cxl' ? probeCxl(state, value.replace(/\n$/, '')) : probeDax(state, value.replace(/\n$/, '')), true];
  const daxId = /^\/sys\/bus\/dax\/drivers\/([a-z_]+)\/(new_id|remove_id)$/.exec(path);
  if (daxId) return state.daxDrivers.includes(daxId[1]!) ? [writeDaxId(state, daxId[1]!, daxId[2] as 'new_id' | 'remove_id', value), true] : [refuse('sysfs.no-such-device')];
  if (path.startsWith(DAX)) {
    const [dev, attr, extra] = path.slice(DAX.length).split('/');
    const d = state.dax.find((x) => x.device === dev);
    if (!d || !attr || extra) return [d ? undefined : refuse('sysfs.no-such-device')];
    return [writeDaxAttr(state, d, attr, value), true];
  }
  if (!path.startsWith(CXL)) return [undefined];
  const [dev, attr, extra] = path.slice(CXL.length).split('/');
  if (!dev || !attr || extra) return [undefined];
  const root = state.roots.find((x) => x.name === dev);
  if (root) {
    if (attr === 'create_ram_region') return [createRegion(state, root, 'ram', value)];
    if (attr === 'create_pmem_region') return [createRegion(state, root, 'pmem', value)];
    if (attr === 'delete_region') return [deleteRegion(state, root, value), true];
    return [undefined];
  }
  const region = state.regions.find((x) => x.name === dev);
  if (region) {
    const target = /^target(\d+)$/.exec(attr);
    if (target) return Number(target[1]) < region.ways ? [writeTarget(state, region, Number(target[1]), value), true] : [refuse('sysfs.no-such-attribute')];
    switch (attr) {
      case 'interleave_ways':
        return [writeWays(state, region, value)];
      case 'interleave_granularity':
        return [writeGranularity(state, region, value)];
      case 'size':
        return [writeSize(state, region, value)];
      case 'uuid':
        return [region.mode === 'pmem' ? writeUuid(state, region, value) : refuse('sysfs.read-only')];
      case 'commit':
        return [writeCommit(state, region, value), true];
      case 'mode':
      case 'resource':
        return [refuse('sysfs.read-only')];
    }
    return [undefined];
  }
  for (const e of state.endpoints) {
    const d = e.decoders.find((x) => x.name === dev);
    if (!d) continue;
    if (attr === 'mode') return [writeMode(e, d, value)];
    if (attr === 'dpa_size') return [writeDpaSize(e, d, value)];
    return [undefined];
  }
  const busDevice = state.devices.find((x) => x.name === dev);
  if (busDevice) return [writeDeviceAttr(state, busDevice, attr, value), true];
  // A device the model says does not exist: the shell cannot open the attribute.
  if (/^(region|decoder|dax_region|sysram_region|pmem_region)\d/.test(dev)) return [refuse('sysfs.no-such-device')];
  return [undefined];
}
