// One scenario variant on one boot: boot, check the post-boot state, drive the steps, power off; artifacts on every path.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { HarnessError } from '../common/errors.ts';
import { diffSnapshots } from '../diff/diff.ts';
import type { GuestImage } from '../image/build.ts';
import type { KernelImage } from '../kernel/types.ts';
import { render } from '../model/render.ts';
import { initialState } from '../model/state.ts';
import { troubleExcerpt } from '../qemu/console.ts';
import type { ScenarioReport, StepRecord } from '../report/types.ts';
import type { Scenario, Variant } from '../scenario/types.ts';
import type { Topology } from '../topology/types.ts';
import { bootGuest, type Booted } from './boot.ts';
import { FACTS_COMMAND, parseFacts } from './facts.ts';
import { observe, runSteps, settle, SETTLE_MS } from './steps.ts';

export interface ScenarioRunOptions {
  kernel: KernelImage;
  image: GuestImage;
  topology: Topology;
  scenario: Scenario;
  variant: Variant;
  extraCmdline: string[];
  dir: string;
  signal?: AbortSignal;
  onStep: (r: StepRecord) => void;
}

export async function runScenarioVariant(o: ScenarioRunOptions): Promise<ScenarioReport> {
  await mkdir(o.dir, { recursive: true });
  await copyFile(o.scenario.file, join(o.dir, basename(o.scenario.file)));
  const report: ScenarioReport = {
    scenario: o.scenario.name,
    file: o.scenario.file,
    variant: o.variant.name,
    cmdline: '',
    verdict: 'error',
    steps: [],
    timings: {},
    artifacts: o.dir,
  };
  let booted: Booted | undefined;
  try {
    booted = await bootGuest({ kernel: o.kernel, image: o.image, topology: o.topology, cmdline: [...o.variant.cmdline, ...o.extraCmdline], runDir: o.dir, ...(o.signal ? { signal: o.signal } : {}) });
    report.cmdline = booted.cmdline;
    Object.assign(report.timings, booted.timings);
    const t0 = Date.now();
    const guest = booted.guest;
    // Enumeration finishes asynchronously after init; the boot step waits until the state matches the model's start state.
    const factsText = (await guest.exec(FACTS_COMMAND)).stdout;
    const early = await observe(guest);
    const settled = await settle(guest, render(initialState(o.topology, parseFacts(factsText, early.snapshot))), SETTLE_MS);
    const facts = parseFacts(factsText, settled.snapshot);
    const start = initialState(o.topology, facts);
    const first = settled.snapshot;
    const bootDmesg = [...early.dmesg, ...settled.dmesg];
    const bootRecord: StepRecord = {
      index: 0,
      name: 'boot: state after enumeration',
      expected: { result: ['ok'], source: 'model' },
      observed: { result: 'ok' },
      findings: diffSnapshots(render(start), first),
      trouble: troubleExcerpt(bootDmesg),
      dmesg: bootDmesg,
      ms: Date.now() - t0,
      pass: false,
    };
    bootRecord.pass = !bootRecord.findings.length && !bootRecord.trouble.length;
    o.onStep(bootRecord);
    const steps = await runSteps({ guest, blockSize: facts.blockSizeBytes, ...(o.signal ? { signal: o.signal } : {}) }, o.scenario.steps, start, o.onStep);
    report.steps = [bootRecord, ...steps];
    report.timings.stepsMs = Date.now() - t0;
    report.verdict = report.steps.every((s) => s.pass) && steps.length === o.scenario.steps.length ? 'pass' : 'fail';
    if (o.signal?.aborted) throw new HarnessError('interrupted', { stage: 'steps' });
  } catch (err) {
    report.verdict = 'error';
    report.error = err instanceof HarnessError ? err.format() : String(err);
    const console = booted ? troubleExcerpt(booted.vm.lines) : [];
    if (console.length) report.error += `\n${console.map((l) => `  console: ${l}`).join('\n')}`;
  } finally {
    if (booted) report.timings.teardownMs = await booted.shutdown();
    await writeFile(join(o.dir, 'steps.json'), JSON.stringify(report, null, 2));
  }
  return report;
}
