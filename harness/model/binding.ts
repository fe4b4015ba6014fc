// Binding on the cxl bus (drivers/base/bus.c bind_store/unbind_store, dd.c): the stock cxl_region driver, and the
// drivers series define as data; what each probe creates goes again when the driver is released (devm).
import { addDax, removeDax } from './dax.ts';
import { accept, refuse, type Result } from './facts.ts';
import { probeSeriesDriver, seriesDriver, seriesDrivers } from './series/apply.ts';
import type { ModelState, Region } from './state.ts';

/** Releases whatever driver holds the region; everything its probe created below goes, memory per kmem's rules. */
export function releaseRegionDriver(state: ModelState, r: Region): void {
  if (!r.driver) return;
  releaseBelow(state, r.name);
  delete r.driver;
}

/** devm teardown below a device: series devices (and their own children), dax regions, pmem regions. */
export function releaseBelow(state: ModelState, parent: string): void {
  for (const dev of state.devices.filter((x) => x.region === parent)) {
    releaseBelow(state, dev.name);
    state.devices = state.devices.filter((x) => x !== dev);
  }
  removeDax(state, parent);
  state.pmem = state.pmem.filter((p) => p.region !== parent);
}

/** The device named on the cxl bus and its type, for driver matching. */
function deviceType(state: ModelState, name: string): { type: string; region?: Region; driver?: string } | undefined {
  const r = state.regions.find((x) => x.name === name);
  if (r) return { type: 'region', region: r, ...(r.driver ? { driver: r.driver } : {}) };
  const d = state.devices.find((x) => x.name === name);
  if (d) return { type: d.type, region: state.regions.find((x) => x.name === d.region)!, ...(d.driver ? { driver: d.driver } : {}) };
  return undefined;
}

/** cxl_region_probe: commit required; RAM gets a KMEM dax_region unless busy System RAM overlaps, PMEM a pmem_region. */
function probeCxlRegion(state: ModelState, r: Region): Result {
  if (r.state !== 'commit') return refuse('region.probe.uncommitted');
  r.driver = 'cxl_region';
  if (r.mode === 'pmem') {
    state.pmem.push({ region: r.name, id: r.id });
    return accept();
  }
  const busy = state.leaks.some((l) => l.start < r.resource! + r.size && r.resource! < l.start + l.size);
  if (busy) return accept('region.probe.system-ram-busy');
  addDax(state, { region: r.name, id: r.id, device: `dax${r.id}.0`, parent: r.name, kmemFlag: true });
  return accept();
}

export function bindCxl(state: ModelState, driver: string, device: string): Result | undefined {
  const series = seriesDriver(state, driver);
  if (driver !== 'cxl_region' && !series) return undefined;
  const target = deviceType(state, device);
  const wanted = driver === 'cxl_region' ? 'region' : series!.matches;
  if (!target || target.type !== wanted) return refuse('bind.no-match');
  if (target.driver) return refuse('bind.already-bound');
  if (driver === 'cxl_region') return probeCxlRegion(state, target.region!);
  return probeSeriesDriver(state, series!, device);
}

export function unbindCxl(state: ModelState, driver: string, device: string): Result | undefined {
  if (driver !== 'cxl_region' && !seriesDriver(state, driver)) return undefined;
  const target = deviceType(state, device);
  if (!target || target.driver !== driver) return refuse('unbind.not-bound');
  if (target.type === 'region') releaseRegionDriver(state, target.region!);
  else {
    releaseBelow(state, device);
    delete state.devices.find((x) => x.name === device)!.driver;
  }
  return accept();
}

/**
 * /sys/bus/cxl/drivers_probe: the driver core offers the device to each matching driver in registration order
 * (cxl_region first, then a series' drivers in the order its definition lists them) until a probe succeeds; failed
 * probes are silent and the write succeeds either way (drivers/base/bus.c drivers_probe_store, dd.c device_attach).
 */
export function probeCxl(state: ModelState, device: string): Result {
  const target = deviceType(state, device);
  if (!target) return refuse('probe.no-device');
  if (target.driver) return accept('probe.attach');
  const candidates = [...(target.type === 'region' ? ['cxl_region'] : []), ...seriesDrivers(state).filter((d) => d.matches === target.type).map((d) => d.name)];
  for (const driver of candidates) {
    const r = bindCxl(state, driver, device);
    if (r?.errno === 'ok') break;
  }
  return {
    ...accept('probe.attach'),
    ...(candidates.length > 1 ? { undocumented: `the documents do not say which of ${candidates.join(', ')} binds a ${target.type} offered to all of them; the driver core takes them in registration order` } : {}),
  };
}
