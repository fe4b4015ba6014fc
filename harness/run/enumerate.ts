// After boot: the guest's capabilities, its enumerated CXL graph checked against the topology's, and the model's
// start state built from both; reported as the boot step (step 0) of the first scenario on the boot.
import { diffSnapshots, type Finding } from '../diff/diff.ts';
import { modelDrivers } from '../model/drivers.ts';
import { render } from '../model/render.ts';
import { initialState, type ModelState } from '../model/state.ts';
import { troubleExcerpt } from '../qemu/console.ts';
import type { StepRecord } from '../report/types.ts';
import { expectedGraph } from '../topology/graph.ts';
import { readGuestGraph, type GuestNames } from '../topology/guest-graph.ts';
import type { Topology } from '../topology/types.ts';
import type { Booted } from './boot.ts';
import { capabilitiesCommand, parseCapabilities, type Capabilities } from './capabilities.ts';
import { observe, settle, SETTLE_MS } from './observe.ts';

export interface StartState {
  caps: Capabilities;
  names: GuestNames;
  graph: { pass: boolean; findings: Finding[] };
  state: ModelState;
  record: StepRecord;
}

const GRAPH = '/usr/libexec/cxl-harness/graph';

/** Window starts, by root decoder name: the firmware's placement, taken as given. */
function windowStarts(snapshot: Record<string, string>): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const [k, v] of Object.entries(snapshot)) {
    const m = /^cxl\/(decoder0\.\d+)\/start$/.exec(k);
    if (m) out[m[1]!] = BigInt(v);
  }
  return out;
}

/** `appliedSeries`: series definitions the harness applied to this kernel; the guest may show more. */
export async function startState(booted: Booted, topology: Topology, appliedSeries: string[], timeoutScale: number): Promise<StartState> {
  const t0 = Date.now();
  const guest = booted.guest;
  // The capabilities do not wait for enumeration (init loaded every module before its ready line): read them meanwhile.
  const capsRun = guest.exec(capabilitiesCommand());
  capsRun.catch(() => undefined); // awaited below; a failed poll must not leave it unhandled
  // Enumeration finishes asynchronously after init's ready line: wait until the graph has every endpoint.
  const expected = expectedGraph(topology);
  let graphText = '';
  let parsed = readGuestGraph('');
  await guest.pollUntil(async () => {
    graphText = (await guest.exec(GRAPH)).stdout;
    parsed = readGuestGraph(graphText);
    return diffSnapshots(expected, parsed.graph).length === 0 ? true : undefined;
  }, 15_000 * timeoutScale, 200);
  const graphFindings = diffSnapshots(expected, parsed.graph).map((f) => ({ ...f, key: `graph/${f.key}` }));
  const early = await observe(guest);
  const capsText = (await capsRun).stdout;
  const caps = parseCapabilities(capsText, windowStarts(early.snapshot));
  const series = [...new Set([...appliedSeries, ...caps.series])];
  const drivers = modelDrivers(series);
  const state = initialState(topology, parsed.names, { ...caps, series, cxlDrivers: drivers.cxl, daxDrivers: drivers.dax });
  const settled = await settle(guest, render(state), SETTLE_MS * timeoutScale);
  const dmesg = [...early.dmesg, ...settled.dmesg];
  const findings = [...graphFindings, ...diffSnapshots(render(state), settled.snapshot)];
  const trouble = troubleExcerpt(dmesg);
  const pass = !findings.length && !trouble.length;
  return {
    caps: { ...caps, series },
    names: parsed.names,
    graph: { pass: graphFindings.length === 0, findings: graphFindings },
    state,
    record: { index: 0, name: 'boot: enumerated graph and state after enumeration', expected: { result: ['ok'], source: 'model' }, observed: { result: 'ok' }, findings, trouble, dmesg, ms: Date.now() - t0, outcome: pass ? 'pass' : 'fail', pass },
  };
}
