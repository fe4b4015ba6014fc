// The model's step function: (state, action) → accepted results, a read's value, the next state, and whether it settles later.
import { describeAction } from '../scenario/load.ts';
import type { Action, StepResult } from '../scenario/types.ts';
import { bindDax, unbindDax, writeDaxId } from './dax.ts';
import { writeBlockState } from './memory.ts';
import { bindRegion, createRegion, deleteRegion, releaseDriver, writeEndpointAttr, writeRegionAttr } from './region.ts';
import { render } from './render.ts';
import { bindDaxKmemRegion, unbindDaxKmemRegion, writeOnlineType } from './series.ts';
import type { ModelState, RegionDriver } from './state.ts';

export interface Prediction {
  /** Results the documents allow; undefined when the model does not cover the action. */
  result?: StepResult[];
  /** For reads. */
  value?: string;
  state: ModelState;
  /** Asynchronous probes follow the write: the observation must poll until it settles. */
  async: boolean;
  /** Why the model cannot predict, when it cannot. */
  gap?: string;
}

const CXL = '/sys/bus/cxl/devices/';
const REGION_DRIVERS: RegionDriver[] = ['cxl_region', 'cxl_devdax_region', 'cxl_sysram_region'];
/** Read-only userspace commands: they must succeed and change nothing. */
const LISTING = /^(cxl|daxctl) list( |$)/;

export function predict(before: ModelState, action: Action): Prediction {
  const state = structuredClone(before);
  const done = (result: string | undefined, async = false): Prediction =>
    result === undefined ? { state: before, async: false, gap: `the model does not cover: ${describeAction(action)}` } : { result: [result], state, async };
  switch (action.kind) {
    case 'write':
      return done(...writePath(state, action.path, action.value));
    case 'read':
    case 'poll': {
      const key = snapshotKey(action.path);
      const value = key === undefined ? undefined : render(before)[key];
      if (action.kind === 'poll') return key === undefined ? done(undefined) : done((action.value === undefined ? value !== undefined : value === action.value) ? 'ok' : 'ETIMEDOUT');
      return value === undefined ? done(key === undefined ? undefined : 'ENOENT') : { result: ['ok'], value, state, async: false };
    }
    case 'bind':
    case 'unbind': {
      const drivers = action.bus === 'cxl' ? state.cxlDrivers : state.daxDrivers;
      // The bind file of a driver this kernel lacks does not exist.
      if (!drivers.includes(action.driver)) return done('ENOENT');
      return done(action.bus === 'dax' ? (action.kind === 'bind' ? bindDax : unbindDax)(state, action.driver, action.device) : cxlBinding(state, action.kind, action.driver, action.device), true);
    }
    case 'blocks': {
      // As the runner does: every block-sized step of the region's range, whether or not a block is there.
      const r = state.regions.find((x) => x.name === action.region);
      if (r?.resource === undefined) return done('ENOENT');
      for (let a = r.resource; a < r.resource + r.size; a += state.blockSize) {
        const b = state.blocks.find((x) => BigInt(x.id) * state.blockSize === a);
        const res = b ? writeBlockState(state, b, action.state) : 'ENOENT';
        if (res !== 'ok') return done(res);
      }
      return done('ok');
    }
    case 'run':
      return done(LISTING.test(action.command) ? 'ok' : undefined);
  }
}

function cxlBinding(state: ModelState, kind: 'bind' | 'unbind', driver: string, device: string): string | undefined {
  if (driver === 'cxl_dax_kmem_region') return kind === 'bind' ? bindDaxKmemRegion(state, device) : unbindDaxKmemRegion(state, device);
  if (!REGION_DRIVERS.includes(driver as RegionDriver)) return undefined;
  const r = state.regions.find((x) => x.name === device);
  if (kind === 'bind') return r ? bindRegion(state, r, driver as RegionDriver) : 'ENODEV';
  if (r?.driver !== driver) return 'ENODEV';
  releaseDriver(state, r);
  return 'ok';
}

/** Sysfs path → the snapshot key that mirrors it, for reads. */
export function snapshotKey(path: string): string | undefined {
  if (path.startsWith(CXL)) return `cxl/${path.slice(CXL.length)}`;
  if (path.startsWith('/sys/bus/dax/devices/')) return `dax/${path.slice('/sys/bus/dax/devices/'.length)}`;
  const m = /^\/sys\/devices\/system\/memory\/(memory\d+\/(state|valid_zones)|auto_online_blocks)$/.exec(path);
  return m ? `memory/${m[1]}` : undefined;
}

function writePath(state: ModelState, path: string, value: string): [string | undefined, boolean?] {
  const block = /^\/sys\/devices\/system\/memory\/memory(\d+)\/state$/.exec(path);
  if (block) {
    const b = state.blocks.find((x) => x.id === Number(block[1]));
    return [b ? writeBlockState(state, b, value) : 'ENOENT'];
  }
  if (path === '/sys/devices/system/memory/auto_online_blocks') {
    // sysfs_streq: exact match; only echo's trailing newline, which the value here does not carry, is forgiven.
    const v = value;
    if (v !== 'offline' && v !== 'online' && v !== 'online_kernel' && v !== 'online_movable') return ['EINVAL'];
    state.autoOnline = v;
    return ['ok'];
  }
  const daxId = /^\/sys\/bus\/dax\/drivers\/([a-z_]+)\/(new_id|remove_id)$/.exec(path);
  if (daxId) return state.daxDrivers.includes(daxId[1]!) ? [writeDaxId(state, daxId[1]!, daxId[2] as 'new_id' | 'remove_id', value), true] : ['ENOENT'];
  if (!path.startsWith(CXL)) return [undefined];
  const [dev, attr, extra] = path.slice(CXL.length).split('/');
  if (!dev || !attr || extra) return [undefined];
  const root = state.roots.find((x) => x.name === dev);
  if (root && attr === 'create_ram_region') return [createRegion(state, dev, value)];
  if (root && attr === 'delete_region') return [deleteRegion(state, dev, value), true];
  const region = state.regions.find((x) => x.name === dev);
  if (region) return [writeRegionAttr(state, region, attr, value), attr === 'commit' || attr.startsWith('target')];
  const ep = state.endpoints.find((x) => x.name === dev);
  if (ep) return [writeEndpointAttr(state, ep, attr, value)];
  if (attr === 'online_type' && state.sysram.some((x) => `sysram_region${x.id}` === dev)) return [writeOnlineType(state, dev, value)];
  // A device the model says does not exist: the shell cannot open the attribute.
  if (/^(region|decoder|dax_region|sysram_region)\d/.test(dev)) return ['ENOENT'];
  return [undefined];
}
