// The model's step function: (state, action) → accepted results, a read's value, the next state, and whether it settles later.
import type { Action, StepResult } from '../scenario/types.ts';
import { writeBlockState } from './memory.ts';
import { bindRegion, createRegion, deleteRegion, releaseDriver, writeEndpointAttr, writeRegionAttr } from './region.ts';
import { render } from './render.ts';
import type { ModelState } from './state.ts';

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

export function predict(before: ModelState, action: Action): Prediction {
  const state = structuredClone(before);
  const done = (result: string | undefined, async = false, gap?: string): Prediction =>
    result === undefined ? { state: before, async: false, gap: gap ?? `the model does not cover ${action.kind} ${describe(action)}` } : { result: [result], state, async };
  switch (action.kind) {
    case 'write':
      return done(...writePath(state, action.path, action.value));
    case 'read': {
      const key = snapshotKey(action.path);
      const value = key === undefined ? undefined : render(before)[key];
      return value === undefined ? done(undefined) : { result: ['ok'], value, state, async: false };
    }
    case 'bind':
    case 'unbind': {
      if (action.bus !== 'cxl' || action.driver !== 'cxl_region') return done(undefined);
      const r = state.regions.find((x) => x.name === action.device);
      if (action.kind === 'bind') return done(r ? bindRegion(state, r) : 'ENODEV', true);
      if (!r?.driver) return done('ENODEV');
      releaseDriver(state, r);
      return done('ok', true);
    }
    case 'blocks': {
      const r = state.regions.find((x) => x.name === action.region);
      if (!r) return done(undefined, false, `${action.region} does not exist in the model, so it has no blocks`);
      for (const b of state.blocks.filter((x) => x.region === r.name).sort((a, c) => a.id - c.id)) {
        const res = writeBlockState(state, b, action.state);
        if (res !== 'ok') return done(res);
      }
      return done('ok');
    }
  }
}

function describe(a: Action): string {
  return 'path' in a ? a.path : 'driver' in a ? `${a.device} (${a.bus}/${a.driver})` : '';
}

/** Sysfs path → the snapshot key that mirrors it, for reads. */
export function snapshotKey(path: string): string | undefined {
  if (path.startsWith(CXL)) return `cxl/${path.slice(CXL.length)}`;
  const m = /^\/sys\/devices\/system\/memory\/(memory\d+\/(state|valid_zones))$/.exec(path);
  return m ? `memory/${m[1]}` : undefined;
}

function writePath(state: ModelState, path: string, value: string): [string | undefined, boolean?] {
  const block = /^\/sys\/devices\/system\/memory\/memory(\d+)\/state$/.exec(path);
  if (block) {
    const b = state.blocks.find((x) => x.id === Number(block[1]));
    return [b ? writeBlockState(state, b, value.trim()) : 'ENOENT'];
  }
  if (path === '/sys/devices/system/memory/auto_online_blocks') {
    const v = value.trim();
    if (v !== 'offline' && v !== 'online' && v !== 'online_kernel' && v !== 'online_movable') return ['EINVAL'];
    state.autoOnline = v;
    return ['ok'];
  }
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
  // A device the model says does not exist: the shell cannot open the attribute.
  if (/^(region|decoder|dax_region|sysram_region)\d/.test(dev)) return ['ENOENT'];
  return [undefined];
}
