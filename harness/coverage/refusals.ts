// Refusal coverage: every documented refusal in the model's facts, and the scenario steps (on the presets they fit)
// whose prediction is that refusal; found by running the model alone over the expanded scenarios, no guest needed.
import { allFacts } from '../model/facts.ts';
import { modelDrivers } from '../model/drivers.ts';
import { predict } from '../model/predict.ts';
import { definitions } from '../model/series/registry.ts';
import { initialState, type ModelState } from '../model/state.ts';
import { expandScenario } from '../scenario/expand.ts';
import { initialContext, resolveStep, resolveText } from '../scenario/roles.ts';
import type { Scenario } from '../scenario/types.ts';
import { interleaveOrder } from '../topology/interleave.ts';
import type { LoadedTopology } from '../topology/load.ts';
import { syntheticNames } from '../topology/synthetic-names.ts';

export interface Exercise {
  scenario: string;
  topology: string;
  step: number;
  name: string;
}

export interface RefusalCoverage {
  id: string;
  errno: string;
  summary: string;
  where: string;
  exercised: Exercise[];
  unreachable?: string;
}

/** The model's view of a freshly booted guest with every series a scenario may need. */
function simulatedStart(t: LoadedTopology, series: string[]): ModelState {
  const drivers = modelDrivers(series);
  const starts = Object.fromEntries(t.topology.windows.map((_, k) => [`decoder0.${k}`, 0x2d0000000n + BigInt(k) * (4n << 30n)]));
  return initialState(t.topology, syntheticNames(t.topology), { release: 'model', cmdline: 'memhp_default_state=offline', blockSizeBytes: 128n << 20n, windowStarts: starts, cxlDrivers: drivers.cxl, daxDrivers: drivers.dax, series, builtInOnlineType: 'offline' });
}

/** Every step of every scenario that fits, with the fact its prediction rests on. */
export function exercises(scenarios: Scenario[], topologies: LoadedTopology[]): Map<string, Exercise[]> {
  const hits = new Map<string, Exercise[]>();
  const all = definitions().map((d) => d.name);
  for (const t of topologies) {
    for (const s of scenarios) {
      const x = expandScenario(s, t.topology);
      if ('notApplicable' in x) continue;
      let state = simulatedStart(t, s.series ? [s.series] : all);
      const order = interleaveOrder(t.topology, 0, 'ram');
      const roles = initialContext(syntheticNames(t.topology), (order.length ? order : interleaveOrder(t.topology, 0, 'pmem')).map((d) => d.device.serial));
      for (const [i, raw] of x.steps.entries()) {
        if (raw.context) Object.assign(roles, raw.context);
        if (raw.useRegion) roles.region = roles.named[raw.useRegion];
        if (raw.createFrom) roles.offer = `region${state.roots[roles.window]?.nextId}`;
        let step;
        try {
          step = resolveStep(raw, roles);
        } catch {
          break;
        }
        const p = predict(state, step.action);
        if (raw.createFrom && p.result?.[0] === 'ok') {
          roles.region = roles.offer;
          if (raw.regionAs) roles.named[raw.regionAs] = roles.offer!;
        }
        // An outcome the documents also allow (memory that may refuse to go offline) is exercised by the step that risks it.
        for (const fact of [p.fact, ...(p.alternatives ?? []).map((a) => a.fact)]) {
          if (fact) hits.set(fact, [...(hits.get(fact) ?? []), { scenario: s.name, topology: t.topology.name, step: i + 1, name: resolveText(raw.name, roles) }]);
        }
        state = p.state;
      }
    }
  }
  return hits;
}

export function refusalCoverage(scenarios: Scenario[], topologies: LoadedTopology[]): RefusalCoverage[] {
  const hits = exercises(scenarios, topologies);
  return allFacts()
    .filter((f) => f.errno)
    .map((f) => ({ id: f.id, errno: f.errno!, summary: f.summary, where: f.doc ?? f.code, exercised: hits.get(f.id) ?? [], ...(f.unreachable ? { unreachable: f.unreachable } : {}) }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}
