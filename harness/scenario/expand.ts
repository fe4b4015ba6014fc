// Expands a scenario's macros for one topology: `region` becomes the documented create/geometry/DPA/target/commit writes
// for the window's devices in interleave order, `teardown` the reverse; or says why the scenario does not fit.
import { createHash } from 'node:crypto';
import { interleaveOrder } from '../topology/interleave.ts';
import { placedDevices, traits } from '../topology/place.ts';
import type { Topology } from '../topology/types.ts';
import type { Needs, RawStep, RoleContextUpdate, Scenario, Step } from './types.ts';

export type Expansion = { steps: Step[] } | { notApplicable: string };

const SZ = (mib: number) => String(BigInt(mib) << 20n);

function unmetNeeds(needs: Needs, t: Topology): string | undefined {
  const have = traits(t);
  const checks: [keyof Needs, number, string][] = [
    ['devices', have.devices, 'devices'],
    ['volatile', have.volatileDevices, 'devices with volatile memory'],
    ['persistent', have.persistentDevices, 'devices with persistent memory'],
    ['hostBridges', have.hostBridges, 'host bridges'],
    ['switches', have.switches, 'switches'],
    ['windowWays', have.maxWindowWays, 'host bridges interleaved by one window'],
  ];
  for (const [key, count, what] of checks) {
    const want = needs[key];
    if (want !== undefined && count < want) return `topology ${t.name} has ${count} ${what}; the scenario needs ${want}`;
  }
  const smallest = Math.min(...placedDevices(t).filter((d) => d.device.volatileMiB > 0).map((d) => d.device.volatileMiB));
  if (needs.deviceMiB !== undefined && !(smallest >= needs.deviceMiB)) return `topology ${t.name} has a device with ${smallest} MiB of volatile memory; the scenario needs ${needs.deviceMiB}`;
  const w0 = t.windows[0]?.targets.length ?? 0;
  if (needs.window0Ways !== undefined && w0 !== needs.window0Ways) return `window 0 of topology ${t.name} interleaves ${w0} host bridge(s); the scenario needs ${needs.window0Ways}`;
  return undefined;
}

/** A uuid that is the same on every run of the same scenario, so bundles replay byte for byte. */
function stableUuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function expandScenario(s: Scenario, t: Topology): Expansion {
  const unmet = unmetNeeds(s.needs, t);
  if (unmet) return { notApplicable: unmet };
  const steps: Step[] = [];
  const made: Made[] = [];
  for (const [i, raw] of s.steps.entries()) {
    const out = expandStep(s, t, raw, i, made);
    if ('notApplicable' in out) return out;
    steps.push(...out.steps);
    if (out.region) made.push(out.region);
  }
  return { steps };
}

/** What a region macro built, for the teardown that undoes it. */
interface Made {
  as: string;
  ways: number;
  decoder: number;
  context: RoleContextUpdate;
}

/** The window a macro means: the one it names, else the first that reaches a device with capacity of the mode. */
function windowFor(t: Topology, window: number | undefined, mode: 'ram' | 'pmem'): number {
  if (window !== undefined) return window;
  const k = t.windows.findIndex((_, i) => interleaveOrder(t, i, mode).length > 0);
  return k < 0 ? 0 : k;
}

function expandStep(s: Scenario, t: Topology, step: RawStep, index: number, made: Made[]): { steps: Step[]; region?: Made } | { notApplicable: string } {
  if (step.macro === 'step') return { steps: [step.step] };
  const raw = step.macro === 'teardown' ? step : { ...step, window: windowFor(t, step.window, step.mode) };
  if (raw.macro === 'create') {
    const order = interleaveOrder(t, raw.window, raw.mode).map((d) => d.device.serial);
    if (!t.windows[raw.window]) return { notApplicable: `topology ${t.name} has no window ${raw.window}` };
    // The region's devices are what ${ep:P} names: without one the scenario's steps have nothing to address.
    if (!order.length) return { notApplicable: `window ${raw.window} of topology ${t.name} reaches no device with ${raw.mode} capacity` };
    return {
      steps: [
        {
          name: raw.name ?? `create a ${raw.mode} region in window ${raw.window}`,
          action: { kind: 'write', path: `/sys/bus/cxl/devices/\${root:${raw.window}}/create_${raw.mode}_region`, value: '${offer}' },
          createFrom: `/sys/bus/cxl/devices/\${root:${raw.window}}/create_${raw.mode}_region`,
          context: { window: raw.window, mode: raw.mode, order },
          ...(raw.as ? { regionAs: raw.as } : {}),
          ...(raw.pinned ? { pinned: raw.pinned } : {}),
        },
      ],
    };
  }
  if (raw.macro === 'teardown') {
    const last = raw.of ? made.find((m) => m.as === raw.of) : made.at(-1);
    if (!last) return { notApplicable: `steps[${index}]: teardown${raw.of ? ` of ${raw.of}` : ''} needs a region step before it${raw.of ? ' with that "as"' : ''}` };
    const positions = Array.from({ length: last.ways }, (_, p) => p).reverse();
    const R = '/sys/bus/cxl/devices/${region}';
    const stage = (s: (typeof raw.only)[number]) => raw.only.includes(s);
    const switchTo: Step = { name: `back to region ${raw.of}: read \${region}/commit`, action: { kind: 'read', path: `${R}/commit` }, useRegion: last.as, context: last.context };
    return {
      steps: [
        ...(raw.of ? [switchTo] : []),
        ...(stage('decommit') ? [{ name: 'decommit ${region}', action: { kind: 'write' as const, path: `${R}/commit`, value: '0' } }] : []),
        ...(stage('detach') ? positions.map((p) => ({ name: `detach position ${p}`, action: { kind: 'write' as const, path: `${R}/target${p}`, value: '' } })) : []),
        ...(stage('free') ? positions.map((p) => ({ name: `free the DPA of \${ep:${p}.${last.decoder}}`, action: { kind: 'write' as const, path: `/sys/bus/cxl/devices/\${ep:${p}.${last.decoder}}/dpa_size`, value: '0' } })) : []),
        ...(stage('delete') ? [{ name: 'delete ${region}', action: { kind: 'write' as const, path: '/sys/bus/cxl/devices/${root:current}/delete_region', value: '${region}' } }] : []),
      ],
    };
  }
  const w = t.windows[raw.window];
  if (!w) return { notApplicable: `topology ${t.name} has no window ${raw.window}` };
  const all = interleaveOrder(t, raw.window, raw.mode);
  const picked = raw.order ? raw.order.map((i) => all[i]) : all.slice(0, raw.ways ?? all.length);
  const ways = raw.ways ?? picked.length;
  if (ways === 0 || picked.length < ways || picked.some((d) => d === undefined)) {
    return { notApplicable: `window ${raw.window} of topology ${t.name} reaches ${all.length} device(s) with ${raw.mode} capacity in interleave order; the scenario needs ${raw.order ? `positions ${raw.order.join(',')}` : ways}` };
  }
  const devices = picked.slice(0, ways).map((d) => d!);
  const granularity = raw.granularity ?? (w.targets.length > 1 ? w.granularity : 256);
  const capacity = Math.min(...devices.map((d) => (raw.mode === 'ram' ? d.device.volatileMiB : d.device.persistentMiB)));
  const per = raw.sizeMiB ?? capacity;
  const R = '/sys/bus/cxl/devices/${region}';
  const ep = (p: number) => `\${ep:${p}.${raw.decoder}}`;
  const positions = devices.map((_, p) => p);
  const as = raw.as ?? `region-step-${index}`;
  const context = { window: raw.window, mode: raw.mode, order: devices.map((d) => d.device.serial) };
  const steps: Step[] = [
    {
      name: raw.name ?? `create a ${raw.mode} region in window ${raw.window}`,
      action: { kind: 'write', path: `/sys/bus/cxl/devices/\${root:${raw.window}}/create_${raw.mode}_region`, value: '${offer}' },
      createFrom: `/sys/bus/cxl/devices/\${root:${raw.window}}/create_${raw.mode}_region`,
      context,
      regionAs: as,
    },
    ...(raw.mode === 'pmem' ? [{ name: 'uuid > ${region}', action: { kind: 'write' as const, path: `${R}/uuid`, value: stableUuid(`${s.name}/${index}`) } }] : []),
    { name: `${granularity} > \${region}/interleave_granularity`, action: { kind: 'write', path: `${R}/interleave_granularity`, value: String(granularity) } },
    { name: `${ways} > \${region}/interleave_ways`, action: { kind: 'write', path: `${R}/interleave_ways`, value: String(ways) } },
    { name: `${per * ways} MiB > \${region}/size`, action: { kind: 'write', path: `${R}/size`, value: SZ(per * ways) } },
    ...positions.flatMap((p) => [
      { name: `${raw.mode} > ${ep(p)}/mode`, action: { kind: 'write' as const, path: `/sys/bus/cxl/devices/${ep(p)}/mode`, value: raw.mode } },
      { name: `${per} MiB > ${ep(p)}/dpa_size`, action: { kind: 'write' as const, path: `/sys/bus/cxl/devices/${ep(p)}/dpa_size`, value: SZ(per) } },
    ]),
    ...positions.map((p) => ({ name: `${ep(p)} > \${region}/target${p}`, action: { kind: 'write' as const, path: `${R}/target${p}`, value: ep(p) } })),
    ...(raw.commit ? [{ name: 'commit ${region}', action: { kind: 'write' as const, path: `${R}/commit`, value: '1' } }] : []),
  ];
  return { steps, region: { as, ways, decoder: raw.decoder, context } };
}
