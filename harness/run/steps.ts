// Drives one scenario's steps in the guest and compares each with the model: result, read value, state, kernel trouble.
import { diffSnapshots } from '../diff/diff.ts';
import type { GuestSession } from '../guest/session.ts';
import { predict } from '../model/predict.ts';
import { parseSnapshot, render, type Snapshot } from '../model/render.ts';
import type { ModelState } from '../model/state.ts';
import { troubleExcerpt } from '../qemu/console.ts';
import type { Vm } from '../qemu/vm.ts';
import { HarnessError } from '../common/errors.ts';
import type { StepRecord } from '../report/types.ts';
import type { Action, Step, StepResult } from '../scenario/types.ts';

const SNAPSHOT = '/usr/libexec/cxl-harness/snapshot';
/** How long asynchronous probes (dax_region, kmem hot-add) may take to settle under TCG. */
export const SETTLE_MS = 20_000;

const DMESG_MARK = '--- dmesg';

export interface Observation {
  snapshot: Snapshot;
  /** Kernel log lines since the previous observation (busybox `dmesg -c` reads and clears). */
  dmesg: string[];
}

/** State and the kernel log slice in one round trip. */
export async function observe(guest: GuestSession): Promise<Observation> {
  const out = (await guest.exec(`${SNAPSHOT}; echo '${DMESG_MARK}'; dmesg -c`)).stdout;
  const [snap = '', log = ''] = out.split(`${DMESG_MARK}\n`);
  return { snapshot: parseSnapshot(snap), dmesg: log.split('\n').filter(Boolean) };
}

/** A state that stopped changing for this long has settled, even if it differs from the model's. */
export const STABLE_MS = 3000;

/**
 * Polls the guest until its state equals `expected`, or stops changing for STABLE_MS, or `timeoutMs` passes;
 * returns the last state and all log lines seen. Stopping on a stable state keeps a divergent run from waiting
 * the whole timeout at every later asynchronous step.
 */
export async function settle(guest: GuestSession, expected: Snapshot, timeoutMs: number): Promise<Observation> {
  const dmesg: string[] = [];
  let last: Snapshot = {};
  let lastText = '';
  let since = Date.now();
  await guest.pollUntil(async () => {
    const o = await observe(guest);
    dmesg.push(...o.dmesg);
    last = o.snapshot;
    if (diffSnapshots(expected, last).length === 0) return true;
    const text = JSON.stringify(last);
    if (text !== lastText) [lastText, since] = [text, Date.now()];
    return Date.now() - since >= STABLE_MS ? true : undefined;
  }, timeoutMs, 100);
  return { snapshot: last, dmesg };
}

async function perform(guest: GuestSession, action: Action, blockSize: bigint): Promise<{ result: StepResult; value?: string; message?: string }> {
  const fromWrite = (w: Awaited<ReturnType<GuestSession['write']>>) => (w.ok ? { result: 'ok' } : { result: w.errno, message: w.message });
  switch (action.kind) {
    case 'write':
      return fromWrite(await guest.write(action.path, action.value));
    case 'bind':
    case 'unbind':
      return fromWrite(await guest.write(`/sys/bus/${action.bus}/drivers/${action.driver}/${action.kind}`, action.device));
    case 'read': {
      const value = await guest.read(action.path);
      return value === undefined ? { result: 'ENOENT' } : { result: 'ok', value };
    }
    case 'blocks': {
      const base = `/sys/bus/cxl/devices/${action.region}`;
      const [resource, size] = [await guest.read(`${base}/resource`), await guest.read(`${base}/size`)];
      if (resource === undefined || size === undefined) return { result: 'ENOENT', message: `${action.region} has no resource/size` };
      for (let a = BigInt(resource); a < BigInt(resource) + BigInt(size); a += blockSize) {
        const w = await guest.write(`/sys/devices/system/memory/memory${a / blockSize}/state`, action.state);
        if (!w.ok) return fromWrite(w);
      }
      return { result: 'ok' };
    }
    case 'poll': {
      const want = action.value;
      const value = await guest.pollUntil(async () => {
        const v = await guest.read(action.path);
        return v !== undefined && (want === undefined || v === want) ? v : undefined;
      }, action.timeoutMs);
      return value === undefined ? { result: 'ETIMEDOUT' } : { result: 'ok' };
    }
    case 'run': {
      const r = await guest.exec(action.command);
      return { result: r.code === 0 ? 'ok' : `exit${r.code}`, ...(r.code ? { message: r.stderr.trim().split('\n').slice(-3).join(' | ') } : {}) };
    }
  }
}

export const CRASHED = 'the guest kernel crashed during this step';

/** Kernel trouble printed on the console since `mark`, waiting a moment for a dying guest to finish printing. */
async function consoleTrouble(vm: Vm, mark: number): Promise<string[]> {
  await Promise.race([vm.exit, new Promise((r) => setTimeout(r, 2000))]);
  return troubleExcerpt(vm.lines.slice(mark));
}

export interface StepContext {
  guest: GuestSession;
  vm: Vm;
  blockSize: bigint;
  signal?: AbortSignal;
}

/** Runs the steps in order; the model's state carries forward from its own predictions, so one divergence is reported once per step it affects. */
export async function runSteps(ctx: StepContext, steps: Step[], start: ModelState, onStep: (r: StepRecord) => void): Promise<{ records: StepRecord[]; state: ModelState }> {
  const records: StepRecord[] = [];
  let state = start;
  for (const [i, step] of steps.entries()) {
    if (ctx.signal?.aborted) break;
    const t0 = Date.now();
    const p = predict(state, step.action);
    const expectedSnap = render(p.state);
    const consoleMark = ctx.vm.lines.length;
    let observed: Awaited<ReturnType<typeof perform>>;
    let snap: Snapshot;
    let dmesg: string[];
    try {
      observed = await perform(ctx.guest, step.action, ctx.blockSize);
      ({ snapshot: snap, dmesg } = await settle(ctx.guest, expectedSnap, p.async ? SETTLE_MS : 0));
    } catch (err) {
      // A guest that dies or hangs during a step: the console says why, and the step is where it happened.
      const crash = await consoleTrouble(ctx.vm, consoleMark);
      if (!crash.length) throw new HarnessError(`step ${i + 1} (${step.name}): ${err instanceof Error ? err.message : String(err)}`, { stage: 'steps', cause: err });
      const record: StepRecord = { index: i + 1, name: step.name, action: step.action, expected: { ...(p.result ? { result: p.result } : {}), source: 'model' }, observed: { message: CRASHED }, findings: [], trouble: crash, dmesg: ctx.vm.lines.slice(consoleMark), ms: Date.now() - t0, pass: false };
      records.push(record);
      onStep(record);
      break;
    }
    const pinned = step.pinned;
    const result = pinned?.result ?? p.result;
    const value = pinned?.value ?? p.value;
    const findings = p.gap ? [] : diffSnapshots(expectedSnap, snap);
    const trouble = troubleExcerpt(dmesg);
    const pass = !p.gap && result !== undefined && result.includes(observed.result) && (value === undefined || value === observed.value) && !findings.length && !trouble.length;
    const record: StepRecord = {
      index: i + 1,
      name: step.name,
      action: step.action,
      expected: { ...(result ? { result } : {}), ...(value !== undefined ? { value } : {}), source: pinned ? 'pinned' : 'model', ...(p.gap ? { gap: p.gap } : {}) },
      observed,
      findings,
      trouble,
      dmesg,
      ms: Date.now() - t0,
      pass,
    };
    records.push(record);
    onStep(record);
    state = p.state;
  }
  return { records, state };
}
