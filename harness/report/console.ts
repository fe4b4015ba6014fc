// Terminal output: a per-step table (step, expected, observed, ms) with the findings under a failing step, then verdicts.
import { formatFinding } from '../diff/diff.ts';
import type { RunReport, ScenarioReport, StepRecord } from './types.ts';

/** Enough of a WARNING or Oops to recognise it; the whole excerpt is in the artifacts. */
const TROUBLE_LINES = 12;

const MARK = { pass: 'PASS', fail: 'FAIL', error: 'ERROR', 'n/a': 'N/A' } as const;

function pad(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s.padEnd(n);
}

export function stepLine(r: StepRecord): string {
  const expected = r.expected.gap ? 'not modelled' : [r.expected.result?.join('|') ?? '', r.expected.value !== undefined ? `= ${r.expected.value}` : ''].filter(Boolean).join(' ');
  const observed = [r.observed.result ?? '', r.observed.value !== undefined ? `= ${r.observed.value}` : ''].filter(Boolean).join(' ');
  const lines = [`  ${r.pass ? 'ok  ' : 'FAIL'} ${String(r.index).padStart(2)} ${pad(r.name, 52)} ${pad(expected, 16)} ${pad(observed, 16)} ${String(r.ms).padStart(6)} ms`];
  if (r.expected.gap) lines.push(`         ${r.expected.gap}`);
  for (const f of r.findings) lines.push(`         ${formatFinding(f)}`);
  if (r.observed.message && r.observed.result === undefined) lines.push(`         ${r.observed.message}`);
  for (const t of r.trouble.slice(0, TROUBLE_LINES)) lines.push(`         kernel: ${t}`);
  if (r.trouble.length > TROUBLE_LINES) lines.push(`         (${r.trouble.length - TROUBLE_LINES} more kernel lines in steps.json and console.log)`);
  return lines.join('\n');
}

export const STEP_HEADER = `       #  ${pad('step', 52)} ${pad('expected', 16)} ${pad('observed', 16)}   time`;

export function scenarioSummary(r: ScenarioReport): string {
  const t = r.timings;
  const failed = r.steps.filter((s) => !s.pass).map((s) => `#${s.index} ${s.name}`);
  return [
    `  ${MARK[r.verdict]} ${r.scenario} [${r.variant}]${r.reason ? ` (${r.reason})` : ''}  boot #${r.boot ?? '-'}${t.bootMs !== undefined ? ` ${t.bootMs} ms + ssh ${t.sshMs} ms` : ' (shared)'}, steps ${t.stepsMs ?? '-'} ms${t.teardownMs !== undefined ? `, teardown ${t.teardownMs} ms` : ''}`,
    ...(failed.length ? [`  first failing step: ${failed[0]}`] : []),
    ...(r.leftChanged?.length ? [`  left the guest changed (${r.leftChanged.length} differences, e.g. ${formatFinding(r.leftChanged[0]!)}): the next scenario boots afresh`] : []),
    ...(r.error ? [r.error.split('\n').map((l) => `  ${l}`).join('\n')] : []),
    `  artifacts: ${r.artifacts}`,
  ].join('\n');
}

export function runSummary(r: RunReport): string {
  const count = (v: string) => r.scenarios.filter((s) => s.verdict === v).length;
  return `${MARK[r.verdict]}: ${count('pass')} passed, ${count('fail')} failed, ${count('n/a')} not applicable, ${count('error')} errored; ${r.boots} boot${r.boots === 1 ? '' : 's'} on ${r.kernel.release || r.kernel.spec} in ${(r.timings.totalMs / 1000).toFixed(1)} s  (report: ${r.artifacts}/report.json)`;
}
