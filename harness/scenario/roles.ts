// Resolves ${role} templates in a step against the booted guest's names: scenarios name roles (the root decoder of a
// window, the endpoint decoder in position P, the region just created), the kernel names objects in probe order.
import { HarnessError } from '../common/errors.ts';
import { definitions } from '../model/series/registry.ts';
import type { GuestNames } from '../topology/guest-graph.ts';
import type { Action, RoleContextUpdate, Step } from './types.ts';

export interface RoleContext extends RoleContextUpdate {
  names: GuestNames;
  /** The current region (from the last create step's offer, or a named one made current again). */
  region?: string;
  /** Regions created with a name (`as:`), for ${region:NAME}. */
  named: Record<string, string>;
  /** A create step's offered name, while that step runs. */
  offer?: string;
}

const TEMPLATE = /\$\{([a-z_]+)(?::([A-Za-z0-9_.]+))?\}/g;

function device(ctx: RoleContext, arg: string | undefined, role: string) {
  const pos = Number(arg?.split('.')[0] ?? 0);
  const serial = ctx.order[pos];
  const dev = ctx.names.devices.find((d) => d.serial === serial);
  if (serial === undefined || !dev) throw new HarnessError(`\${${role}:${arg}}: no device at position ${pos} (the order has ${ctx.order.length})`, { stage: 'steps' });
  return dev;
}

function one(ctx: RoleContext, role: string, arg: string | undefined): string {
  const regionId = () => {
    const m = /^region(\d+)$/.exec(ctx.region ?? '');
    if (!m) throw new HarnessError(`\${${role}} needs a region created earlier in the scenario`, { stage: 'steps' });
    return m[1]!;
  };
  switch (role) {
    case 'root': {
      const w = arg === undefined || arg === 'current' ? ctx.window : Number(arg);
      const name = ctx.names.rootDecoders[w];
      if (!name) throw new HarnessError(`\${root:${arg}}: the guest has no root decoder for window ${w}`, { stage: 'steps' });
      return name;
    }
    case 'region': {
      if (arg === undefined) return `region${regionId()}`;
      const named = ctx.named[arg];
      if (!named) throw new HarnessError(`\${region:${arg}}: no region was created with as: ${arg}`, { stage: 'steps' });
      return named;
    }
    case 'offer':
      if (!ctx.offer) throw new HarnessError('${offer} is only meaningful in a create step', { stage: 'steps' });
      return ctx.offer;
    case 'ep': {
      const dev = device(ctx, arg, role);
      const d = Number(arg?.split('.')[1] ?? 0);
      const name = dev.decoders[d];
      if (!name) throw new HarnessError(`\${ep:${arg}}: ${dev.endpoint} has no decoder ${d}`, { stage: 'steps' });
      return name;
    }
    case 'mem':
      return device(ctx, arg, role).memdev;
    case 'endpoint':
      return device(ctx, arg, role).endpoint;
    case 'dax':
      return `dax${regionId()}.0`;
    case 'dax_region':
      return `dax_region${regionId()}`;
    case 'dev': {
      const type = definitions().flatMap((d) => d.devices).find((t) => t.type === arg);
      if (!type) throw new HarnessError(`\${dev:${arg}}: no series defines a device type "${arg}"`, { stage: 'steps' });
      return type.name.replace('{id}', regionId());
    }
  }
  throw new HarnessError(`\${${role}}: unknown role; accepted: root, region, ep, mem, endpoint, dax, dax_region, dev, offer`, { stage: 'steps' });
}

export function resolveText(text: string, ctx: RoleContext): string {
  return text.replace(TEMPLATE, (_, role: string, arg: string | undefined) => one(ctx, role, arg));
}

export function resolveAction(a: Action, ctx: RoleContext): Action {
  const r = (s: string) => resolveText(s, ctx);
  switch (a.kind) {
    case 'write':
      return { ...a, path: r(a.path), value: r(a.value) };
    case 'read':
    case 'requires':
      return { ...a, path: r(a.path) };
    case 'poll':
      return { ...a, path: r(a.path), ...(a.value !== undefined ? { value: r(a.value) } : {}) };
    case 'bind':
    case 'unbind':
      return { ...a, driver: r(a.driver), device: r(a.device) };
    case 'blocks':
    case 'data':
      return { ...a, region: r(a.region) };
    case 'run':
      return { ...a, command: r(a.command) };
    case 'kexec':
      return a;
    case 'selftest':
      return { ...a, env: Object.fromEntries(Object.entries(a.env).map(([k, v]) => [k, r(v)])) };
  }
}

/** The step with its roles resolved: name and action. */
export function resolveStep(step: Step, ctx: RoleContext): Step {
  return { ...step, name: resolveText(step.name, ctx), action: resolveAction(step.action, ctx) };
}

/** Where role resolution starts: window 0's volatile devices in default interleave order (from the run's topology). */
export function initialContext(names: GuestNames, order: number[]): RoleContext {
  return { names, window: 0, mode: 'ram', order, named: {} };
}
