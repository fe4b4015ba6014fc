// Runs one boot group (same kernel, topology and kernel parameters) on as few boots as is sound: the next scenario
// reuses a boot only if the guest's state equals its post-boot state.
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { HarnessError, stopped } from '../common/errors.ts';
import { diffSnapshots } from '../diff/diff.ts';
import { render } from '../model/render.ts';

import { troubleExcerpt } from '../qemu/console.ts';
import type { BootReport, StepRecord, TestReport } from '../report/types.ts';
import type { Runtime } from '../runtime/types.ts';
import { initialContext } from '../scenario/roles.ts';
import { interleaveOrder } from '../topology/interleave.ts';
import { bootGuest, type Booted, type BootOptions } from './boot.ts';
import { reportCapabilities, unmet } from './capabilities.ts';
import { startState, type StartState } from './enumerate.ts';
import { kexecGuest } from './kexec.ts';
import { modelDrivers } from '../model/drivers.ts';
import { initialState, type ModelState } from '../model/state.ts';
import type { BootGroup, Job } from './matrix.ts';
import { observe } from './observe.ts';
import { writeTestBundle } from './bundle-test.ts';
import type { Holds } from './hold.ts';
import type { SnapshotCache } from '../snapshot/cache.ts';
import { bootOrRestore, prepareNext, type NextRestore, type StartedGuest } from '../snapshot/start.ts';
import { CRASHED, HUNG, runSteps, type StepsOutcome } from './steps.ts';

export interface GroupOptions {
  runtime: Runtime;
  /** The run's artifacts folder. */
  dir: string;
  signal?: AbortSignal;
  timeoutScale: number;
  /** Hands out boot numbers across groups running in parallel. */
  nextBoot(): number;
  onStart(job: Job, shared: boolean): void;
  onStep(job: Job, r: StepRecord): void;
  onEnd(job: Job, r: TestReport): void;
  onBoot(b: BootReport): void;
  /** Which tests get a reproduction bundle. */
  bundle: BundlePolicy;
  /** The user's --append parameters, recorded in bundles. */
  append: string[];
  /** QEMU's version, recorded in bundles. */
  qemu?: string;
  /** Which guests stay running for a look inside: a failing test's, or each group's last. */
  keep: KeepPolicy;
  holds: Holds;
  /** Restore post-boot snapshots from this cache (and save new ones) instead of booting, where it is faithful. */
  snapshots?: SnapshotCache;
  /** A restore prepared for this group's first guest, by the run while the group before it ran. */
  first?: Spare;
  /** Called once, when the group's last scenario has its guest: the run may prepare the next group's first one. */
  beforeLast?(): void;
  log(line: string): void;
}

/** A restore prepared ahead and the boot number set aside for it. */
export interface Spare {
  index: number;
  restore: NextRestore;
}

/** Stops a spare nobody used and removes its folder (it never became a boot). */
export async function discardSpare(s: Spare): Promise<void> {
  await (await s.restore.ready)?.discard();
  await rm(s.restore.dir, { recursive: true, force: true });
}

/** How a job's guest boots, into `dir`. */
export function bootOptionsOf(job: Job, dir: string, o: Pick<GroupOptions, 'runtime' | 'timeoutScale' | 'signal'>): BootOptions {
  return { runtime: o.runtime, kernel: job.kernel.image, image: job.kernel.guest, topology: job.topology.topology, cmdline: job.cmdline, dir, readyTimeoutMs: 90_000 * o.timeoutScale, timeoutScale: o.timeoutScale, ...(o.signal ? { signal: o.signal } : {}) };
}

export type KeepPolicy = 'never' | 'failures' | 'always';

export type BundlePolicy = 'failures' | 'always' | 'never';

interface Live {
  booted: Booted;
  start: StartState;
  /** Where the next scenario starts: the post-boot state, plus the endpoint decoder modes earlier scenarios set (a mode cannot go back to none). */
  baseline: ModelState;
  index: number;
  /** The restore check made after the previous scenario, shown as the next one's step 0. */
  check?: StepRecord;
}

const slug = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');

export function testDir(runDir: string, job: Job): string {
  return join(runDir, slug(job.kernel.spec), slug(job.topology.topology.name), `${job.scenario.name}-${job.variant.name}`);
}

export async function runGroup(group: BootGroup, o: GroupOptions): Promise<TestReport[]> {
  const reports: TestReport[] = [];
  let live: Live | undefined;
  // With snapshots: the group's next restore, prepared while the live guest runs scenarios, in the boot folder set aside for it.
  let next: Spare | undefined = o.first;
  const discardNext = async () => {
    const n = next;
    next = undefined;
    if (n) await discardSpare(n);
  };
  const powerOff = async (r?: TestReport) => {
    if (!live) return;
    const ms = await live.booted.shutdown();
    if (r) r.timings.teardownMs = ms;
    live = undefined;
  };
  try {
    for (const [jobIndex, job] of group.jobs.entries()) {
      if (o.signal?.aborted) throw stopped(o.signal, 'steps');
      const dir = testDir(o.dir, job);
      await mkdir(dir, { recursive: true });
      for (const src of job.scenario.sources) await copyFile(src, join(dir, basename(src)));
      let snapshots: StepsOutcome['snapshots'] = [];
      const report: TestReport = { id: job.id, kernel: job.kernel.spec, topology: job.topology.topology.name, scenario: job.scenario.name, variant: job.variant.name, file: job.scenario.file, cmdline: '', verdict: 'error', rootCauses: 0, steps: [], timings: {}, artifacts: dir };
      try {
        if ('notApplicable' in job.expansion) {
          report.verdict = 'n/a';
          report.reason = job.expansion.notApplicable;
          continue;
        }
        o.onStart(job, live !== undefined);
        let first: StepRecord;
        if (live?.check) first = live.check;
        else {
          const spare = next;
          next = undefined;
          const index = spare?.index ?? o.nextBoot();
          const bootDir = join(o.dir, `boot-${index}`);
          await mkdir(bootDir, { recursive: true });
          const bootOptions = bootOptionsOf(job, bootDir, o);
          const booted: Booted & Partial<StartedGuest> = o.snapshots ? await bootOrRestore(bootOptions, { cache: o.snapshots, log: o.log }, spare?.restore) : await bootGuest(bootOptions);
          const restored = booted.start === 'snapshot';
          for (const crash of booted.qemuCrashes ?? []) o.log(`boot ${index}: booted again after ${crash.split('\n')[0]!.replace(/^\[boot\] /, '')} (${join(bootDir, 'console-qemu-crash.log')})`);
          Object.assign(report.timings, booted.timings);
          // A restore passed the fingerprint check against the saved guest, so the boot step saved with it still holds.
          const saved = restored ? (booted.extra as StartState | undefined) : undefined;
          const start = saved ?? (await startState(booted, job.topology.topology, job.kernel.appliedSeries, o.timeoutScale).catch(async (err: unknown) => {
            await booted.shutdown();
            throw err;
          }));
          const stored = booted.saveSnapshot && !restored && start.record.pass
            ? await booted.saveSnapshot(start).catch(async (err: unknown) => {
                await booted.shutdown();
                throw err;
              })
            : undefined;
          live = { booted, start, baseline: start.state, index };
          if (o.snapshots && booted.snapshotKey && (restored || stored) && jobIndex < group.jobs.length - 1) {
            const i = o.nextBoot();
            next = { index: i, restore: prepareNext(bootOptionsOf(job, join(o.dir, `boot-${i}`), o), { cache: o.snapshots, log: o.log }, booted.snapshotKey) };
          }
          job.kernel.report.capabilities ??= reportCapabilities(start.caps);
          o.onBoot({ index, kernel: job.kernel.spec, topology: job.topology.topology.name, cmdline: booted.cmdline, start: restored ? 'snapshot' : 'boot', ...booted.timings, ...(booted.restore ? { restoreMs: booted.restore.timings.totalMs, ...(booted.restore.timings.ahead ? { restorePreparedMs: booted.restore.timings.copyMs + booted.restore.timings.loadMs } : {}) } : {}), graph: start.graph, artifacts: bootDir, ...(booted.qemuCrashes ? { qemuCrashes: booted.qemuCrashes } : {}) });
          first = start.record;
        }
        if (jobIndex === group.jobs.length - 1) o.beforeLast?.();
        report.boot = live.index;
        report.cmdline = live.booted.cmdline;
        o.onStep(job, first);
        report.steps = [first];
        const caps = live.start.caps;
        const missing = unmet(job.scenario.requires, caps);
        // On a series run's baseline kernel a series scenario gated by a `requires` step still runs its stock steps up to
        // that step (then ends not applicable): the baseline then shows the same devices, and the surfaces compare.
        const probe = job.kernel.baseline && job.steps.some((s) => s.action.kind === 'requires');
        if (job.scenario.series && !caps.series.includes(job.scenario.series) && !probe) {
          report.verdict = 'n/a';
          report.reason = `kernel ${caps.release} does not carry the series ${job.scenario.series}`;
        } else if (missing.length) {
          report.verdict = 'n/a';
          report.reason = `kernel ${caps.release} lacks ${missing.join(', ')}`;
        } else if (!first.pass) {
          report.verdict = 'fail';
        } else {
          const t0 = Date.now();
          const order = interleaveOrder(job.topology.topology, 0, 'ram');
          const roles = initialContext(live.start.names, (order.length ? order : interleaveOrder(job.topology.topology, 0, 'pmem')).map((d) => d.device.serial));
          const booted = live.booted;
          const kexec = async () => {
            const names = await kexecGuest(booted, job.kernel.image.vmlinuz, 120_000 * o.timeoutScale, o.signal);
            const drivers = modelDrivers(caps.series);
            return { names, fresh: initialState(job.topology.topology, names, { ...caps, cxlDrivers: drivers.cxl, daxDrivers: drivers.dax }) };
          };
          const ctx = { scenario: job.scenario.name, surface: job.kernel.surface, kexec, ...(job.kernel.image.selftests ? { selftests: job.kernel.image.selftests } : {}), get guest() { return booted.guest; }, vm: live.booted.vm, topology: job.topology.topology, backingDir: live.booted.backingDir, release: caps.release, blockSize: caps.blockSizeBytes, timeoutScale: o.timeoutScale, stopAtFailure: o.keep === 'failures', ...(o.signal ? { signal: o.signal } : {}) };
          const out = await runSteps(ctx, job.steps, live.baseline, roles, (r) => o.onStep(job, r));
          report.steps.push(...out.records);
          snapshots = out.snapshots;
          if (out.selftests.length) report.selftests = out.selftests;
          live.baseline = carryModes(live.baseline, out.state);
          report.timings.stepsMs = Date.now() - t0;
          if (o.signal?.aborted) throw stopped(o.signal, 'steps');
          if (out.notApplicable) {
            report.verdict = report.steps.every((s) => s.pass) ? 'n/a' : 'fail';
            report.reason = out.notApplicable;
          } else report.verdict = verdictOf(report.steps, out.records.length === job.steps.length);
        }
        // A crashed kernel (the step recorded its console trouble) gets no more commands: power off.
        if (!live.booted.vm.running || report.steps.some((x) => x.observed.message === CRASHED || x.observed.message?.startsWith(HUNG))) await powerOff(report);
        else if (o.keep === 'failures' && (report.verdict === 'fail' || report.verdict === 'gap')) {
          await o.holds.hold(live.booted, o.dir, live.index, job.id);
          live = undefined;
        } else {
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
        summarise(report);
        await writeFile(join(dir, 'steps.json'), JSON.stringify(report, null, 2));
        if (snapshots.length) await writeFile(join(dir, 'snapshots.jsonl'), snapshots.map((x) => JSON.stringify(x)).join('\n') + '\n');
        if (wantsBundle(o.bundle, report)) await bundleTest(job, report, dir, o);
        reports.push(report);
        o.onEnd(job, report);
      }
    }
  } finally {
    await discardNext();
    if (live && o.keep === 'always' && live.booted.vm.running && !o.signal?.aborted) {
      await o.holds.hold(live.booted, o.dir, live.index, reports.at(-1)?.id ?? '');
      live = undefined;
    }
    await powerOff(reports.at(-1));
  }
  return reports;
}

function wantsBundle(policy: BundlePolicy, r: TestReport): boolean {
  if (r.verdict === 'n/a' && !r.steps.length) return false;
  return policy === 'always' || (policy === 'failures' && (r.verdict === 'fail' || r.verdict === 'gap' || r.verdict === 'error'));
}

/** A bundle that cannot be written is noted on the test; it never changes the verdict. */
async function bundleTest(job: Job, report: TestReport, dir: string, o: GroupOptions): Promise<void> {
  try {
    report.bundle = await writeTestBundle(job, report, dir, o.dir, o.append, o.qemu);
  } catch (err) {
    report.bundleError = err instanceof HarnessError ? err.format() : String(err);
  }
  await writeFile(join(dir, 'steps.json'), JSON.stringify(report, null, 2));
}

/** fail on any failing step; else gap if a step had no prediction; pass otherwise (known differences pass). */
function verdictOf(steps: StepRecord[], complete: boolean): TestReport['verdict'] {
  if (steps.some((s) => s.outcome === 'fail') || !complete) return 'fail';
  if (steps.some((s) => s.outcome === 'gap')) return 'gap';
  return 'pass';
}

/** Root causes and the first failure, for reports that name one step per cause. */
function summarise(r: TestReport): void {
  const failing = r.steps.filter((s) => s.outcome === 'fail' || s.outcome === 'gap');
  r.rootCauses = failing.length;
  const f = failing[0];
  if (f) r.firstFailure = { step: f.index, name: f.name, findings: f.findings, trouble: f.trouble, ...(f.expected.result ? { expected: f.expected.result } : {}), ...(f.observed.result ? { observed: f.observed.result } : {}) };
}

/** The post-boot state with the endpoint decoder modes of `end`. */
function carryModes(start: ModelState, end: ModelState): ModelState {
  const next = structuredClone(start);
  for (const e of next.endpoints) for (const d of e.decoders) d.mode = end.endpoints.find((x) => x.serial === e.serial)?.decoders.find((x) => x.name === d.name)?.mode ?? d.mode;
  return next;
}

/** Proof that the previous scenario left the guest where the next one starts; otherwise the caller reboots. */
async function restoredCheck(live: Live): Promise<StepRecord> {
  const t0 = Date.now();
  const now = await observe(live.booted.guest);
  const findings = diffSnapshots(render(live.baseline), now.snapshot);
  const trouble = troubleExcerpt(now.dmesg);
  const pass = !findings.length && !trouble.length;
  return { index: 0, name: `shared boot ${live.index}: state equals the post-boot state`, expected: { result: ['ok'], source: 'model' }, observed: { result: 'ok' }, findings, trouble, dmesg: now.dmesg, ms: Date.now() - t0, outcome: pass ? 'pass' : 'fail', pass };
}
