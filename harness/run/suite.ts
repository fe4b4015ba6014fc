// Runs scenario variants on as few boots as is sound: the next scenario reuses a boot only if the guest's state equals its post-boot state.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { HarnessError } from '../common/errors.ts';
import { diffSnapshots } from '../diff/diff.ts';
import type { GuestImage } from '../image/build.ts';
import type { KernelImage } from '../kernel/types.ts';
import { render } from '../model/render.ts';
import { initialState, type ModelState } from '../model/state.ts';
import { troubleExcerpt } from '../qemu/console.ts';
import type { KernelCapabilities, ScenarioReport, StepRecord } from '../report/types.ts';
import type { Scenario, Variant } from '../scenario/types.ts';
import type { Topology } from '../topology/types.ts';
import { BASE_CMDLINE, bootGuest, type Booted } from './boot.ts';
import { FACTS_COMMAND, parseFacts, unmet, type Capabilities } from './facts.ts';
import { CRASHED, observe, runSteps, settle, SETTLE_MS } from './steps.ts';

export interface Job {
  scenario: Scenario;
  variant: Variant;
  topology: Topology;
  cmdline: string[];
}

export interface SuiteOptions {
  kernel: KernelImage;
  image: GuestImage;
  dir: string;
  signal?: AbortSignal;
  onStart(job: Job, shared: boolean): void;
  onStep(r: StepRecord): void;
  onEnd(r: ScenarioReport): void;
}

interface Live {
  booted: Booted;
  caps: Capabilities;
  /** Where the next scenario starts: the post-boot state, plus the endpoint decoder modes earlier scenarios set (a mode cannot go back to none). */
  start: ModelState;
  index: number;
  key: string;
  /** The restore check made after the previous scenario, shown as the next one's step 0. */
  check?: StepRecord;
}

/** Jobs that may share a boot: same topology and the same effective kernel parameters (for name=value, the last one wins). */
export function bootKey(j: Pick<Job, 'topology' | 'cmdline'>): string {
  const params = new Map<string, string>();
  for (const p of [...BASE_CMDLINE, ...j.cmdline]) params.set(p.includes('=') ? p.slice(0, p.indexOf('=')) : p, p);
  return JSON.stringify([j.topology, [...params.values()].sort()]);
}

export async function runSuite(jobs: Job[], o: SuiteOptions): Promise<{ reports: ScenarioReport[]; boots: number; capabilities?: KernelCapabilities }> {
  const reports: ScenarioReport[] = [];
  let live: Live | undefined;
  let boots = 0;
  let capabilities: KernelCapabilities | undefined;
  const powerOff = async (r?: ScenarioReport) => {
    if (!live) return;
    const ms = await live.booted.shutdown();
    if (r) r.timings.teardownMs = ms;
    live = undefined;
  };
  try {
    // Jobs sharing a boot run next to each other; the stable sort keeps file order inside a group.
    const ordered = [...jobs].sort((a, b) => (bootKey(a) < bootKey(b) ? -1 : bootKey(a) > bootKey(b) ? 1 : 0));
    for (const job of ordered) {
      if (o.signal?.aborted) throw new HarnessError('interrupted', { stage: 'steps' });
      const dir = join(o.dir, `${job.scenario.name}-${job.variant.name}`);
      await mkdir(dir, { recursive: true });
      await copyFile(job.scenario.file, join(dir, basename(job.scenario.file)));
      const report: ScenarioReport = { scenario: job.scenario.name, file: job.scenario.file, variant: job.variant.name, cmdline: '', verdict: 'error', steps: [], timings: {}, artifacts: dir };
      if (live && live.key !== bootKey(job)) await powerOff(reports.at(-1));
      o.onStart(job, live !== undefined);
      try {
        let first: StepRecord;
        if (live?.check) first = live.check;
        else {
          boots++;
          const bootDir = join(o.dir, `boot-${boots}`);
          await mkdir(bootDir, { recursive: true });
          const booted = await bootGuest({ kernel: o.kernel, image: o.image, topology: job.topology, cmdline: job.cmdline, runDir: bootDir, ...(o.signal ? { signal: o.signal } : {}) });
          Object.assign(report.timings, booted.timings);
          const started = await startState(booted, job.topology);
          live = { booted, caps: started.caps, start: initialState(job.topology, started.caps), index: boots, key: bootKey(job) };
          capabilities ??= { release: started.caps.release, cxlDrivers: started.caps.cxlDrivers, daxDrivers: started.caps.daxDrivers, blockSizeBytes: `0x${started.caps.blockSizeBytes.toString(16)}`, hypervisorVisible: started.caps.hypervisorVisible };
          first = started.record;
        }
        report.boot = live.index;
        report.cmdline = live.booted.cmdline;
        o.onStep(first);
        report.steps = [first];
        const missing = unmet(job.scenario.requires, live.caps);
        if (missing.length) {
          report.verdict = 'n/a';
          report.reason = `kernel ${live.caps.release} lacks ${missing.join(', ')}`;
        } else if (!first.pass) {
          report.verdict = 'fail';
        } else {
          const t0 = Date.now();
          const { records: steps, state: end } = await runSteps({ guest: live.booted.guest, vm: live.booted.vm, blockSize: live.caps.blockSizeBytes, ...(o.signal ? { signal: o.signal } : {}) }, job.scenario.steps, live.start, o.onStep);
          report.steps.push(...steps);
          live.start = carryModes(live.start, end);
          report.timings.stepsMs = Date.now() - t0;
          if (o.signal?.aborted) throw new HarnessError('interrupted', { stage: 'steps' });
          report.verdict = report.steps.every((s) => s.pass) && steps.length === job.scenario.steps.length ? 'pass' : 'fail';
        }
        // A crashed kernel (the step recorded its console trouble) gets no more commands: power off.
        if (!live.booted.vm.running || report.steps.some((x) => x.observed.message === CRASHED)) await powerOff(report);
        else {
          live.check = await restoredCheck(live);
          if (!live.check.pass) {
            report.leftChanged = live.check.findings;
            await powerOff(report);
          }
        }
      } catch (err) {
        report.verdict = 'error';
        report.error = err instanceof HarnessError ? err.format() : String(err);
        const console = live ? troubleExcerpt(live.booted.vm.lines) : [];
        if (console.length) report.error += `\n${console.map((l) => `  console: ${l}`).join('\n')}`;
        await powerOff(report);
        if (o.signal?.aborted) throw err;
      } finally {
        await writeFile(join(dir, 'steps.json'), JSON.stringify(report, null, 2));
        reports.push(report);
        o.onEnd(report);
      }
    }
  } finally {
    await powerOff(reports.at(-1));
  }
  return { reports, boots, ...(capabilities ? { capabilities } : {}) };
}

/** After boot: wait for enumeration to settle into the model's start state; that state is the baseline later scenarios must find. */
async function startState(booted: Booted, topology: Topology): Promise<{ caps: Capabilities; record: StepRecord }> {
  const t0 = Date.now();
  const guest = booted.guest;
  const factsText = (await guest.exec(FACTS_COMMAND)).stdout;
  const early = await observe(guest);
  const settled = await settle(guest, render(initialState(topology, parseFacts(factsText, early.snapshot))), SETTLE_MS);
  const caps = parseFacts(factsText, settled.snapshot);
  const dmesg = [...early.dmesg, ...settled.dmesg];
  const findings = diffSnapshots(render(initialState(topology, caps)), settled.snapshot);
  const trouble = troubleExcerpt(dmesg);
  return {
    caps,
    record: { index: 0, name: 'boot: state after enumeration', expected: { result: ['ok'], source: 'model' }, observed: { result: 'ok' }, findings, trouble, dmesg, ms: Date.now() - t0, pass: !findings.length && !trouble.length },
  };
}

/** The post-boot state with the endpoint decoder modes of `end`. */
function carryModes(start: ModelState, end: ModelState): ModelState {
  const next = structuredClone(start);
  for (const e of next.endpoints) e.mode = end.endpoints.find((x) => x.name === e.name)?.mode ?? e.mode;
  return next;
}

/** Proof that the previous scenario left the guest where the next one starts; otherwise the caller reboots. */
async function restoredCheck(live: Live): Promise<StepRecord> {
  const t0 = Date.now();
  const now = await observe(live.booted.guest);
  const findings = diffSnapshots(render(live.start), now.snapshot);
  const trouble = troubleExcerpt(now.dmesg);
  return { index: 0, name: `shared boot ${live.index}: state equals the post-boot state`, expected: { result: ['ok'], source: 'model' }, observed: { result: 'ok' }, findings, trouble, dmesg: now.dmesg, ms: Date.now() - t0, pass: !findings.length && !trouble.length };
}
