// What the next kernel finds after kexec: committed HDM decoders, from which it assembles each committed region at
// endpoint probe and binds it (cxl-driver.rst: "A memory region can be constructed during endpoint probe, if
// decoders were programmed"; "Auto Decoders are probed automatically"). Everything else starts afresh.
import { addDax } from './dax.ts';
import { accept, type Result } from './facts.ts';
import { definitions } from './series/registry.ts';
import { allocateId, type ModelState, type Region } from './state.ts';

/** `fresh`: the state of a newly booted guest under the new kernel's names. Returns it with the regions assembled. */
export function afterKexec(before: ModelState, fresh: ModelState): { state: ModelState; result: Result; undocumented?: string } {
  const state = structuredClone(fresh);
  const decoderOf = (name: string) => {
    for (const e of before.endpoints) {
      const d = e.decoders.find((x) => x.name === name);
      if (d) return { serial: e.serial, index: d.index, d };
    }
    return undefined;
  };
  const committed = before.regions.filter((r) => r.state === 'commit').sort((a, b) => Number((a.resource ?? 0n) - (b.resource ?? 0n)));
  const series = definitions().filter((d) => state.series.includes(d.name) && d.drivers.some((x) => x.matches === 'region'));
  const undocumented = series.filter((d) => !d.autoRegionDriver);
  for (const old of committed) {
    const root = state.roots.find((x) => x.window === before.roots.find((y) => y.name === old.root)!.window)!;
    const id = root.nextId;
    root.nextId = allocateId(state.usedIds);
    state.usedIds.push(root.nextId);
    const name = `region${id}`;
    const targets = old.targets.map((t) => {
      const o = decoderOf(t)!;
      const e = state.endpoints.find((x) => x.serial === o.serial)!;
      const d = e.decoders[o.index]!;
      Object.assign(d, { mode: o.d.mode, dpaSize: o.d.dpaSize, dpaStart: o.d.dpaStart, region: name, ways: old.ways, granularity: old.granularity, committed: true });
      return d.name;
    });
    for (const p of before.ports) {
      for (const d of p.decoders.filter((x) => x.region === old.name)) {
        const np = state.ports.find((x) => x.path === p.path)!;
        const nd = np.decoders[d.index]!;
        Object.assign(nd, { region: name, ways: d.ways, granularity: d.granularity, targets: [...d.targets], start: d.start, size: d.size, committed: d.committed });
      }
    }
    const r: Region = { id, name, root: root.name, mode: old.mode, uuid: old.uuid, ways: old.ways, granularity: old.granularity, size: old.size, resource: old.resource!, targets, state: 'commit', auto: true };
    state.regions.push(r);
    // The stock probe: an auto region binds cxl_region, which surfaces it as a kmem dax_region (overview.rst 3e).
    r.driver = series.find((d) => d.autoRegionDriver)?.autoRegionDriver!.driver ?? 'cxl_region';
    if (r.mode === 'pmem') state.pmem.push({ region: name, id });
    else addDax(state, { region: name, id, device: `dax${id}.0`, parent: name, kmemFlag: true });
  }
  return {
    state,
    result: accept('kexec.auto-assembly'),
    ...(undocumented.length && committed.length ? { undocumented: `which driver binds a region the kernel assembled itself is not documented with ${undocumented.map((d) => d.name).join(', ')} (several cxl drivers match regions)` } : {}),
  };
}
