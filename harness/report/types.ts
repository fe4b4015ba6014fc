// What a run reports: per scenario variant, per step, expected beside observed, and the timings of each stage.
import type { Finding } from '../diff/diff.ts';
import type { Action, StepResult } from '../scenario/types.ts';

export type Verdict = 'pass' | 'fail' | 'error';

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
  steps: StepRecord[];
  timings: { bootMs?: number; sshMs?: number; stepsMs?: number; teardownMs?: number };
  artifacts: string;
}

export interface RunReport {
  verdict: Verdict;
  kernel: { spec: string; release: string; packages: { name: string; version: string }[] };
  qemu?: string;
  image?: { key: string; packages: { name: string; version: string }[]; modules: string[] };
  topology: string;
  scenarios: ScenarioReport[];
  timings: { provisionMs?: number; kernelMs?: number; imageMs?: number; totalMs: number };
  artifacts: string;
  error?: string;
}
