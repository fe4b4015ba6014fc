// Drives one scenario's steps in the guest and compares each with the model: result, read value, state, kernel
// trouble. A step fails only on differences new at that step; those carried from an earlier step are shown once.
import { HarnessError } from '../common/errors.ts';
import { diffSnapshots, type Finding } from '../diff/diff.ts';
import { GuestTimeout, type GuestSession } from '../guest/session.ts';
import { fact as factOf } from '../model/facts.ts';
import { explain } from '../model/known.ts';
import { afterKexec } from '../model/kexec.ts';
import { predict, type Prediction } from '../model/predict.ts';
import { render } from '../model/render.ts';
import type { ModelState } from '../model/state.ts';
import { troubleExcerpt } from '../qemu/console.ts';
import type { Vm } from '../qemu/vm.ts';
import type { FactRef, SelftestCase, StepOutcome, StepRecord } from '../report/types.ts';
import { resolveStep, resolveText, type RoleContext } from '../scenario/roles.ts';
import type { Step } from '../scenario/types.ts';
import type { GuestNames } from '../topology/guest-graph.ts';
import type { Topology } from '../topology/types.ts';
import { dataCheck } from './data-check.ts';
import { observeCommand, parseObservation, settle, SETTLE_MS } from './observe.ts';
import { perform, type Performed } from './perform.ts';
import { runSelftest } from './selftest.ts';
import { readSurface } from './surface.ts';

export const CRASHED = 'the guest kernel crashed during this step';
export const HUNG = 'the guest stopped answering during this step (hung; --timeout-scale gives a slow host more time)';

/** What broke when neither the kernel crashed nor the guest hung: QEMU went away, or the SSH session did. */
function stepError(ctx: StepContext, index: number, name: string, err: unknown): HarnessError {
  const why = err instanceof Error ? err.message : String(err);
  if (!ctx.vm.running) return new HarnessError(`step ${index} (${name}): QEMU exited during the step (${ctx.vm.label})`, { stage: 'boot', details: ctx.vm.lines.slice(-10).map((l) => `console: ${l}`), cause: err });
  if (ctx.guest.lostReason) return new HarnessError(`step ${index} (${name}): ${ctx.guest.lostReason}`, { stage: 'guest', cause: err });
  return err instanceof HarnessError ? err : new HarnessError(`step ${index} (${name}): ${why}`, { stage: 'steps', cause: err });
}

export interface StepContext {
  scenario: string;
  guest: GuestSession;
  vm: Vm;
  topology: Topology;
  backingDir: string;
  release: string;
  blockSize: bigint;
  timeoutScale: number;
  /** tools/testing/selftests of the kernel under test, when it was built from a series that ships some. */
  selftests?: string;
  /** The ABI surface seen so far on this kernel, added to whenever the set of devices changes. */
  surface: Set<string>;
  /** Starts the next kernel (kexec) and returns its fresh model state and object names. */
  kexec?: () => Promise<{ fresh: ModelState; names: GuestNames }>;
  signal?: AbortSignal;
  /** Stop after the first failing step, leaving the guest as that step left it (--keep-failed). */
  stopAtFailure?: boolean;
}

export interface StepsOutcome {
  records: StepRecord[];
  state: ModelState;
  /** Set when a `requires` step found the guest without the capability: the scenario is not applicable. */
  notApplicable?: string;
  selftests: SelftestCase[];
  /** The guest's state after each step, for the test's artifacts and bundle. */
  snapshots: { step: number; snapshot: Record<string, string> }[];
}

/** Kernel trouble printed on the console since `mark`, waiting a moment for a dying guest to finish printing. */
async function consoleTrouble(vm: Vm, mark: number): Promise<string[]> {
  await Promise.race([vm.exit, new Promise((r) => setTimeout(r, 2000))]);
  return troubleExcerpt(vm.lines.slice(mark));
}

function factRef(id: string | undefined): FactRef[] | undefined {
  if (!id) return undefined;
  const f = factOf(id);
  return [{ id, source: f.doc ? 'documented' : 'code', where: f.doc ?? f.code }];
}

/** Runs the steps in order; the model's state carries forward from its own predictions. */
export async function runSteps(ctx: StepContext, steps: Step[], start: ModelState, roles: RoleContext, onStep: (r: StepRecord) => void): Promise<StepsOutcome> {
  const records: StepRecord[] = [];
  const selftests: SelftestCase[] = [];
  const snapshots: StepsOutcome['snapshots'] = [];
  let state = start;
  /** Snapshot keys that already differed after the previous step, with the step where each first did. */
  let open = new Map<string, number>();
  let devices = '';
  for (const [i, raw] of steps.entries()) {
    if (ctx.signal?.aborted) break;
    const t0 = Date.now();
    const index = i + 1;
    if (raw.context) Object.assign(roles, raw.context);
    if (raw.useRegion) roles.region = roles.named[raw.useRegion];
    if (raw.createFrom) roles.offer = await ctx.guest.read(resolveText(raw.createFrom, roles));
    const step = resolveStep(raw, roles);
    // A distribution kernel ships no kselftests: the selftest step cannot apply (a source build carries them).
    if (step.action.kind === 'selftest' && !ctx.selftests) return { records, state, selftests, snapshots, notApplicable: `the kernel under test ships no kselftests (${step.action.path}); build it from source to run them` };
    let p = predict(state, step.action);
    const consoleMark = ctx.vm.lines.length;
    let observed: Performed;
    let snap: Record<string, string>;
    let dmesg: string[];
    let dataFindings: Finding[] = [];
    try {
      if (step.action.kind === 'kexec') {
        if (!ctx.kexec) throw new HarnessError(`step ${index}: kexec is not available on this boot`, { stage: 'steps' });
        const next = await ctx.kexec();
        roles.names = next.names;
        const k = afterKexec(state, next.fresh);
        // The next kernel names the assembled region itself: the scenario's ${region} follows it.
        const assembled = k.state.regions.filter((r) => r.auto);
        if (assembled.length === 1) roles.region = assembled[0]!.name;
        p = { result: [k.result.errno], ...(k.result.fact ? { fact: k.result.fact } : {}), state: k.state, async: true, ...(k.undocumented ? { undocumented: k.undocumented } : {}) };
      }
      const done = await perform(ctx.guest, step.action, ctx.blockSize, ctx.timeoutScale, observeCommand());
      observed = done.observed;
      if (step.action.kind === 'data') {
        const r = state.regions.find((x) => x.name === (step.action as { region: string }).region);
        if (!r) throw new HarnessError(`step ${index}: the model has no region ${(step.action as { region: string }).region} to check`, { stage: 'steps' });
        const d = await dataCheck(ctx.guest, state, ctx.topology, r, step.action.samples, ctx.backingDir);
        dataFindings = d.findings;
        if (d.message) observed = { result: 'EIO', message: d.message };
      }
      if (step.action.kind === 'selftest') {
        const run = await runSelftest(ctx.guest, ctx.selftests, step.action.path, step.action.env, step.action.timeoutMs * ctx.timeoutScale, index);
        selftests.push(...run.cases);
        const failed = run.cases.filter((c) => c.status === 'fail');
        if (failed.length || run.code !== 0) observed = { result: `exit${run.code}`, message: `${failed.length} of ${run.cases.length} selftest case(s) failed: ${failed.map((c) => `#${c.number} ${c.name}`).join('; ')}\n${run.output.split('\n').filter((l) => /^not ok|^# /.test(l)).slice(0, 20).join('\n')}` };
      }
      // A write, bind or unbind brought its first observation back with it: one round trip less per step.
      const first = done.after !== undefined ? parseObservation(done.after) : undefined;
      ({ snapshot: snap, dmesg } = await settle(ctx.guest, render(p.state), p.async ? SETTLE_MS * ctx.timeoutScale : 0, new Set(open.keys()), first));
    } catch (err) {
      // A guest that dies or hangs during a step: the console says why, and the step is where it happened.
      const crash = await consoleTrouble(ctx.vm, consoleMark);
      const hung = err instanceof GuestTimeout && ctx.vm.running;
      if (!crash.length && !hung) throw stepError(ctx, index, step.name, err);
      const message = crash.length ? CRASHED : `${HUNG}: ${err instanceof Error ? err.message : String(err)}`;
      const trouble = crash.length ? crash : ctx.vm.lines.slice(Math.max(consoleMark, ctx.vm.lines.length - 20));
      const record: StepRecord = { index, name: step.name, action: step.action, expected: { ...(p.result ? { result: p.result } : {}), source: 'model' }, observed: { message }, findings: [], trouble, dmesg: ctx.vm.lines.slice(consoleMark), ms: Date.now() - t0, outcome: 'fail', pass: false };
      records.push(record);
      onStep(record);
      break;
    }
    // An outcome the documents also allow (memory that refused to go offline) brings its own state.
    const alt = p.alternatives?.find((a) => a.result.includes(observed.result));
    // A requires gate that finds its path absent ends the scenario not applicable; the step itself is no failure.
    const gate = step.action.kind === 'requires' && observed.result === 'ENOENT';
    const chosen: Prediction = gate ? { ...p, result: ['ENOENT'] } : alt && !p.result?.includes(observed.result) ? { ...p, result: alt.result, fact: alt.fact, state: alt.state } : p;
    snapshots.push({ step: index, snapshot: snap });
    const present = [...new Set(Object.keys(snap).map((k) => /^(cxl|dax)\/([^/]+)/.exec(k)?.[0]).filter(Boolean))].sort().join(' ');
    if (present !== devices) {
      devices = present;
      for (const e of await readSurface(ctx.guest)) ctx.surface.add(e);
    }
    if (raw.createFrom && observed.result === 'ok') {
      roles.region = roles.offer;
      if (raw.regionAs && roles.offer) roles.named[raw.regionAs] = roles.offer;
    }
    delete roles.offer;
    // A step the model cannot predict still gets its differences recorded, so later steps see them as carried.
    const all = [...diffSnapshots(render(chosen.state), snap), ...dataFindings];
    // A selftest is judged by its own cases; what it leaves changed is carried, not failed on it.
    const fresh = step.action.kind === 'selftest' ? [] : all.filter((f) => !open.has(f.key));
    const carriedFrom = all.filter((f) => open.has(f.key)).map((f) => open.get(f.key)!);
    const record = judge(ctx, index, step, chosen, observed, fresh, troubleExcerpt(dmesg), dmesg, Date.now() - t0);
    if (carriedFrom.length) record.carried = { since: Math.min(...carriedFrom), count: carriedFrom.length };
    open = new Map(all.map((f) => [f.key, open.get(f.key) ?? index]));
    records.push(record);
    onStep(record);
    state = chosen.state;
    if (ctx.stopAtFailure && record.outcome === 'fail') break;
    if (step.action.kind === 'requires' && observed.result !== 'ok') return { records, state, selftests, snapshots, notApplicable: `the guest lacks ${step.action.capability}` };
  }
  return { records, state, selftests, snapshots };
}

function judge(ctx: StepContext, index: number, step: Step, p: Prediction, observed: Performed, fresh: Finding[], trouble: string[], dmesg: string[], ms: number): StepRecord {
  const pinned = step.pinned;
  const result = pinned?.result ?? p.result;
  const value = pinned?.value ?? p.value;
  const resultOk = result !== undefined && result.includes(observed.result) && (value === undefined || value === observed.value);
  const facts = factRef(p.fact);
  const base: StepRecord = {
    index,
    name: step.name,
    action: step.action,
    expected: { ...(result ? { result } : {}), ...(value !== undefined ? { value } : {}), source: pinned ? 'pinned' : 'model', ...(p.gap ? { gap: p.gap } : {}), ...(facts ? { facts } : {}) },
    observed,
    findings: fresh,
    trouble,
    dmesg,
    ms,
    outcome: 'pass',
    pass: true,
  };
  const set = (outcome: StepOutcome, pass: boolean, extra: Partial<StepRecord> = {}): StepRecord => ({ ...base, outcome, pass, ...extra });
  if (trouble.length) return set('fail', false);
  if (p.gap && !pinned) return set('gap', false);
  // What the documents do not decide is reported with what the kernel did, neither passed nor failed.
  if (p.undocumented && !pinned) return set('undocumented', true, { doc: { says: p.undocumented, did: fresh.length ? fresh.map((f) => `${f.key} = ${f.observed ?? '(absent)'}`).join('; ') : 'as the model guessed', where: p.fact ? factOf(p.fact).code : 'not documented' } });
  if (resultOk && !fresh.length) {
    const f = p.fact ? factOf(p.fact) : undefined;
    if (f?.mismatch && !pinned) return set('mismatch', true, { doc: { says: f.mismatch, did: `${observed.result}${observed.value !== undefined ? ` = ${observed.value}` : ''}`, where: f.code } });
    return set('pass', true);
  }
  const known = pinned ? undefined : explain(ctx.release, { scenario: ctx.scenario, topology: ctx.topology.name }, p.fact, observed.result, resultOk, fresh);
  if (known) {
    return set('known', true, {
      known: [{ fact: known.id, range: known.kernels, expected: (result ?? []).join('|'), observed: observed.result, evidence: known.evidence }],
    });
  }
  return set('fail', false);
}
