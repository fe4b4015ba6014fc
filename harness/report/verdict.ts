// A run's verdict and exit code from its tests: the kernel's failures first, then the harness's, the model's, the documents'.
import { EXIT, type ExitCode } from '../common/errors.ts';
import type { StepOutcome, Verdict } from './types.ts';

/** Highest first; 'n/a' ranks with 'pass' so a run of only inapplicable tests passes (series checks are the caller's). */
const RANK: Verdict[] = ['fail', 'error', 'gap'];

export function runVerdict(tests: readonly { verdict: Verdict }[], runError?: string): Verdict {
  const present = new Set<Verdict>(tests.map((t) => t.verdict));
  if (runError !== undefined) present.add('error');
  return RANK.find((v) => present.has(v)) ?? 'pass';
}

export interface Judged {
  tests: readonly { verdict: Verdict; steps: readonly { outcome: StepOutcome }[] }[];
  error?: string;
}

export function exitCodeFor(r: Judged, o: { docStrict: boolean }): ExitCode {
  const verdict = runVerdict(r.tests, r.error);
  if (verdict === 'fail') return EXIT.kernel;
  if (verdict === 'error') return EXIT.infra;
  if (verdict === 'gap') return EXIT.gap;
  const docMismatch = r.tests.some((t) => t.steps.some((s) => s.outcome === 'mismatch' || s.outcome === 'undocumented'));
  return o.docStrict && docMismatch ? EXIT.doc : EXIT.pass;
}
