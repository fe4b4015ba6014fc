// What a run reports: per scenario variant, per step, expected beside observed, and the timings of each stage.
import type { Finding } from '../diff/diff.ts';
import type { SourceInfo } from '../kernel/source/build.ts';
import type { Action, StepResult } from '../scenario/types.ts';

/** n/a: the kernel lacks a capability the scenario requires; neither pass nor fail. */
export type Verdict = 'pass' | 'fail' | 'error' | 'n/a';

export interface StepRecord {
  index: number;
  name: string;
  action?: Action;
  expected: { result?: StepResult[]; value?: string; source: 'model' | 'pinned'; gap?: string };
  observed: { result?: StepResult; value?: string; message?: string };
  /** State differences after the step settled (or timed out settling). */
  findings: Finding[];
  /** Kernel WARNING/BUG/Oops/panic lines logged while the step ran. */
  trouble: string[];
  dmesg: string[];
  ms: number;
  pass: boolean;
}

export interface ScenarioReport {
  scenario: string;
  file: string;
  variant: string;
  cmdline: string;
  verdict: Verdict;
  error?: string;
  /** Why the scenario is not applicable. */
  reason?: string;
  /** State differences the scenario left behind that made the next scenario boot afresh. */
  leftChanged?: Finding[];
  /** Which boot of the run it ran on (1-based); several scenarios share a boot when the state was restored. */
  boot?: number;
  steps: StepRecord[];
  /** Boot and ssh times are set on the scenario that booted; teardown on the one that powered off. */
  timings: { bootMs?: number; sshMs?: number; stepsMs?: number; teardownMs?: number };
  artifacts: string;
}

export interface KernelCapabilities {
  release: string;
  cxlDrivers: string[];
  daxDrivers: string[];
  blockSizeBytes: string;
  hypervisorVisible: boolean;
}

export interface RunReport {
  verdict: Verdict;
  kernel: { spec: string; release: string; packages: { name: string; version: string }[]; source?: SourceInfo };
  qemu?: string;
  image?: { key: string; packages: { name: string; version: string }[]; modules: string[] };
  topology: string;
  capabilities?: KernelCapabilities;
  boots: number;
  scenarios: ScenarioReport[];
  timings: { provisionMs?: number; kernelMs?: number; imageMs?: number; totalMs: number };
  artifacts: string;
  error?: string;
}
