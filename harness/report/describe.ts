// What the exporters (JUnit, TAP, KCIDB) say about one test: how long it took and, when it did not pass, why, in words.
import { formatFinding } from '../diff/diff.ts';
import type { StepRecord, TestReport } from './types.ts';

export interface Failure {
  step?: { index: number; name: string };
  expected?: string;
  observed?: string;
  /** Why the model has no prediction for the step. */
  gap?: string;
  findings: string[];
  /** Kernel WARNING/BUG/Oops/panic lines. */
  trouble: string[];
  error?: string;
}

/** Boot (or restore), SSH, steps and teardown: the time the test cost, in seconds. */
export function testSeconds(t: TestReport): number {
  const ms = Object.values(t.timings).reduce((sum, v) => sum + (v ?? 0), 0);
  return ms / 1000;
}

function expectedText(e: StepRecord['expected']): string {
  return [e.result?.join(' or '), e.value !== undefined ? JSON.stringify(e.value) : undefined].filter(Boolean).join(' ');
}

function observedText(o: StepRecord['observed']): string {
  const parts = [o.result, o.value !== undefined ? JSON.stringify(o.value) : undefined].filter(Boolean);
  return parts.length ? parts.join(' ') : (o.message ?? '');
}

/** Undefined for a test that passed or did not apply. */
export function failureOf(t: TestReport): Failure | undefined {
  if (t.verdict === 'pass' || t.verdict === 'n/a') return undefined;
  const ff = t.firstFailure;
  const error = t.error !== undefined ? { error: t.error } : {};
  if (!ff) return { findings: [], trouble: [], ...error };
  const record = t.steps.find((s) => s.index === ff.step);
  const expected = record ? expectedText(record.expected) : ff.expected?.join(' or ');
  const observed = record ? observedText(record.observed) : ff.observed;
  return {
    step: { index: ff.step, name: ff.name },
    ...(expected ? { expected } : {}),
    ...(observed ? { observed } : {}),
    ...(record?.expected.gap !== undefined ? { gap: record.expected.gap } : {}),
    findings: ff.findings.map(formatFinding),
    trouble: ff.trouble,
    ...error,
  };
}

/** The failure as lines: the step and its results, its new state differences, the kernel's lines, the harness error. */
export function failureLines(f: Failure): string[] {
  const said = [
    f.gap !== undefined ? `the model has no prediction (${f.gap})` : f.expected !== undefined ? `expected ${f.expected}` : undefined,
    f.observed !== undefined ? `observed ${f.observed}` : undefined,
  ].filter(Boolean);
  const head = f.step ? `step ${f.step.index} "${f.step.name}"${said.length ? `: ${said.join(', ')}` : ''}` : undefined;
  return [...(head ? [head] : []), ...f.findings, ...f.trouble.map((l) => `kernel: ${l}`), ...(f.error?.split('\n') ?? [])];
}
