// Interprets the active series' definitions: their drivers' probe rules, their devices' and dax attributes' write
// rules; effects go through the core model (dax regions, memory hot-add and hot-remove).
import { addDax } from '../dax.ts';
import { accept, refuse, type Result } from '../facts.ts';
import { hasUnmovableRisk, hotAdd, hotRemoveAll } from '../memory.ts';
import { sysfsStreq } from '../parse.ts';
import type { BusDevice, Dax, ModelState, OnlineType, Region } from '../state.ts';
import { definitions } from './registry.ts';
import type { Attribute, Rule, SeriesDef } from './schema.ts';

function active(state: ModelState): SeriesDef[] {
  return definitions().filter((d) => state.series.includes(d.name));
}

/** The active series' drivers, in the order they register (their definitions' order). */
export function seriesDrivers(state: ModelState): SeriesDef['drivers'] {
  return active(state).flatMap((d) => d.drivers);
}

export function seriesDriver(state: ModelState, name: string): SeriesDef['drivers'][number] | undefined {
  for (const def of active(state)) {
    const d = def.drivers.find((x) => x.name === name);
    if (d) return d;
  }
  return undefined;
}

interface Context {
  value?: string;
  current?: string;
  region: Region;
  attrs: Record<string, string>;
}

const expand = (s: string, c: Context) => s.replace('{value}', (c.value ?? '').replace(/\n$/, ''));

function holds(rule: Rule, c: Context): boolean {
  const w = rule.when;
  if (w.value && !w.value.some((v) => c.value !== undefined && sysfsStreq(c.value, v))) return false;
  if (w.current && !w.current.map((v) => expand(v, c)).includes(c.current ?? '')) return false;
  if (w.currentNot && w.currentNot.map((v) => expand(v, c)).includes(c.current ?? '')) return false;
  if (w.regionMode && c.region.mode !== w.regionMode) return false;
  if (w.committed !== undefined && (c.region.state === 'commit') !== w.committed) return false;
  if (w.attr && Object.entries(w.attr).some(([k, v]) => c.attrs[k] !== v)) return false;
  return true;
}

/** The first rule that holds decides: a refusal's errno from its fact, or acceptance with its effects. */
function decide(rules: Rule[], c: Context): Rule {
  const rule = rules.find((r) => holds(r, c));
  if (!rule) throw new Error('a series rule list must end with a rule that always holds');
  return rule;
}

export function probeSeriesDriver(state: ModelState, driver: SeriesDef['drivers'][number], device: string): Result {
  const dev = state.devices.find((x) => x.name === device);
  const region = state.regions.find((x) => x.name === (dev ? dev.region : device))!;
  const rule = decide(driver.probe, { region, attrs: dev?.attrs ?? {} });
  if (rule.refuse) return refuse(rule.fact);
  if (dev) dev.driver = driver.name;
  else region.driver = driver.name;
  const eff = rule.do;
  if (eff?.device) {
    const type = active(state).flatMap((d) => d.devices).find((t) => t.type === eff.device)!;
    const attrs = Object.fromEntries(type.attributes.map((a) => [a.name, a.initial]));
    state.devices.push({ type: type.type, name: type.name.replace('{id}', String(region.id)), region: region.name, attrs });
  }
  if (eff?.daxRegion) {
    const onlineType = eff.daxRegion.onlineType?.replace(/^\{attr\.(\w+)\}$/, (_, k: string) => dev?.attrs[k] ?? '');
    addDax(state, {
      region: region.name,
      id: region.id,
      device: `dax${region.id}.0`,
      parent: device,
      kmemFlag: eff.daxRegion.kmem,
      ...(onlineType ? { onlineType: onlineType as OnlineType } : {}),
    });
  }
  return accept(rule.fact);
}

/** A write to an attribute of a series device (e.g. sysram_regionN/online_type); undefined if no series defines it. */
export function writeDeviceAttr(state: ModelState, dev: BusDevice, attr: string, value: string): Result | undefined {
  const def = active(state).flatMap((d) => d.devices).find((t) => t.type === dev.type)?.attributes.find((a) => a.name === attr);
  if (!def) return undefined;
  const region = state.regions.find((x) => x.name === dev.region)!;
  return applyWrite(def, { value, current: dev.attrs[attr], region, attrs: dev.attrs }, (v) => (dev.attrs[attr] = v), () => ({}));
}

/** Attributes a dax driver gains from a series (e.g. kmem's state), as they read right after the driver's probe. */
export function initialDaxAttrs(state: ModelState, driver: 'kmem' | 'device_dax', onlineType: OnlineType): Record<string, string> {
  return Object.fromEntries(
    active(state)
      .flatMap((d) => d.daxAttributes)
      .filter((a) => a.driver === driver)
      .map((a) => [a.name, a.initial.replace('{onlineType}', onlineType)]),
  );
}

export function writeDaxAttr(state: ModelState, d: Dax, attr: string, value: string): Result | undefined {
  const def = active(state).flatMap((x) => x.daxAttributes).find((a) => a.name === attr && a.driver === d.driver);
  if (!def) return undefined;
  const region = state.regions.find((x) => x.name === d.region)!;
  return applyWrite(def, { value, current: d.attrs[attr], region, attrs: d.attrs }, (v) => (d.attrs[attr] = v), (rule, c) => daxEffect(state, d, rule, c));
}

function applyWrite(def: Attribute, c: Context, set: (v: string) => void, effect: (rule: Rule, c: Context) => Pick<Result, 'alternative'>): Result {
  const rule = decide(def.write, c);
  if (rule.refuse) return refuse(rule.fact);
  const { alternative } = rule.do ? effect(rule, c) : {};
  if (rule.set !== undefined) set(expand(rule.set, c));
  return { ...accept(rule.fact), ...(alternative ? { alternative } : {}) };
}

function daxEffect(state: ModelState, d: Dax, rule: Rule, c: Context): Pick<Result, 'alternative'> {
  const r = state.regions.find((x) => x.name === d.region)!;
  let out: Pick<Result, 'alternative'> = {};
  if (rule.do?.hotRemove) {
    if (hasUnmovableRisk(state, r.name)) out = { alternative: refuse('memory.offline.unmovable') as { errno: string; fact: string } };
    hotRemoveAll(state, r.name);
    d.memoryHeld = false;
  }
  if (rule.do?.hotAdd) {
    const root = state.roots.find((x) => x.name === r.root)!;
    hotAdd(state, r.name, r.resource!, r.size, root.node, expand(rule.do.hotAdd, c) as OnlineType);
    d.memoryHeld = true;
  }
  return out;
}
