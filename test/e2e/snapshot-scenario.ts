// One scenario on a started guest as harness/run/group.ts runs a boot's first scenario (kept in step by hand).
import { HarnessError } from '../../harness/common/errors.ts';
import type { Booted } from '../../harness/run/boot.ts';
import { unmet } from '../../harness/run/capabilities.ts';
import { startState } from '../../harness/run/enumerate.ts';
import { runSteps } from '../../harness/run/steps.ts';
import type { StepRecord, Verdict } from '../../harness/report/types.ts';
import { initialContext } from '../../harness/scenario/roles.ts';
import type { Scenario, Step } from '../../harness/scenario/types.ts';
import { interleaveOrder } from '../../harness/topology/interleave.ts';
import type { Topology } from '../../harness/topology/types.ts';

export interface ScenarioOutcome {
  verdict: Verdict;
  /** Per step: index, name, outcome, result the guest gave, number of state findings. */
  steps: string[];
  /** Values read by steps, by step index: compared too, reported apart. */
  values: Record<number, string>;
  bootStepMs: number;
  stepsMs: number;
  /** The harness error a step run ended with (verdict 'error'). */
  error?: string;
}

const line = (r: StepRecord) => `${r.index} ${r.name}: ${r.outcome} ${r.observed.result ?? '-'} findings=${r.findings.length} trouble=${r.trouble.length}`;

export async function runScenario(booted: Booted, topology: Topology, scenario: Scenario, steps: Step[]): Promise<ScenarioOutcome> {
  const start = await startState(booted, topology, [], 1);
  const records = [start.record];
  const out: ScenarioOutcome = { verdict: 'error', steps: [], values: {}, bootStepMs: start.record.ms, stepsMs: 0 };
  const caps = start.caps;
  if ((scenario.series && !caps.series.includes(scenario.series)) || unmet(scenario.requires, caps).length) out.verdict = 'n/a';
  else if (!start.record.pass) out.verdict = 'fail';
  else {
    const t0 = Date.now();
    const order = interleaveOrder(topology, 0, 'ram');
    const roles = initialContext(start.names, (order.length ? order : interleaveOrder(topology, 0, 'pmem')).map((d) => d.device.serial));
    const ctx = { scenario: scenario.name, surface: new Set<string>(), guest: booted.guest, vm: booted.vm, topology, backingDir: booted.backingDir, release: caps.release, blockSize: caps.blockSizeBytes, timeoutScale: 1 };
    // As group.ts: a harness error in the steps is the verdict 'error', with its message.
    const r = await runSteps(ctx, steps, start.state, roles, () => undefined).catch((err: unknown) => (err instanceof HarnessError ? err : new HarnessError(String(err), { stage: 'steps' })));
    out.stepsMs = Date.now() - t0;
    if (r instanceof HarnessError) out.error = r.message;
    else {
      records.push(...r.records);
      if (r.notApplicable) out.verdict = records.every((s) => s.pass) ? 'n/a' : 'fail';
      else if (records.some((s) => s.outcome === 'fail') || r.records.length !== steps.length) out.verdict = 'fail';
      else out.verdict = records.some((s) => s.outcome === 'gap') ? 'gap' : 'pass';
    }
  }
  out.steps = records.map(line);
  for (const r of records) if (r.observed.value !== undefined) out.values[r.index] = r.observed.value;
  return out;
}
