// Terminal output: a per-step table (step, expected, observed, ms) with what is new under a failing step, then
// verdicts per test and a kernel × topology summary.
import { formatFinding } from '../diff/diff.ts';
import type { RunReport, StepRecord, TestReport } from './types.ts';

/** Enough of a WARNING or Oops to recognise it; the whole excerpt is in the artifacts. */
const TROUBLE_LINES = 12;
const MARK = { pass: 'PASS', fail: 'FAIL', error: 'ERROR', gap: 'GAP', 'n/a': 'N/A' } as const;
const OUTCOME = { pass: 'ok  ', fail: 'FAIL', gap: 'GAP ', known: 'knwn', mismatch: 'DOC ', undocumented: 'UNDC' } as const;

function pad(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s.padEnd(n);
}

export function stepLine(r: StepRecord): string {
  const expected = r.expected.gap ? 'not modelled' : [r.expected.result?.join('|') ?? '', r.expected.value !== undefined ? `= ${r.expected.value}` : ''].filter(Boolean).join(' ');
  const observed = [r.observed.result ?? '', r.observed.value !== undefined ? `= ${r.observed.value}` : ''].filter(Boolean).join(' ');
  const lines = [`  ${OUTCOME[r.outcome]} ${String(r.index).padStart(2)} ${pad(r.name, 52)} ${pad(expected, 16)} ${pad(observed, 16)} ${String(r.ms).padStart(6)} ms`];
  if (r.expected.gap) lines.push(`         ${r.expected.gap}`);
  if (r.outcome === 'fail' && r.expected.facts?.length) lines.push(`         fact: ${r.expected.facts.map((f) => `${f.id} (${f.where})`).join('; ')}`);
  for (const k of r.known ?? []) lines.push(`         known on kernels ${k.range}: ${k.fact} — ${k.evidence}`);
  if (r.doc) lines.push(`         documentation: ${r.doc.says}; the kernel: ${r.doc.did} (${r.doc.where})`);
  for (const f of r.outcome === 'pass' || r.outcome === 'known' ? [] : r.findings) lines.push(`         ${formatFinding(f)}`);
  if (r.carried && r.outcome !== 'pass') lines.push(`         (${r.carried.count} difference(s) as at step ${r.carried.since}, not counted again)`);
  if (r.observed.message && (r.observed.result === undefined || r.outcome === 'fail')) lines.push(`         ${r.observed.message}`);
  for (const t of r.trouble.slice(0, TROUBLE_LINES)) lines.push(`         kernel: ${t}`);
  if (r.trouble.length > TROUBLE_LINES) lines.push(`         (${r.trouble.length - TROUBLE_LINES} more kernel lines in steps.json and console.log)`);
  return lines.join('\n');
}

export const STEP_HEADER = `       #  ${pad('step', 52)} ${pad('expected', 16)} ${pad('observed', 16)}   time`;

const size = (bytes: number) => (bytes < 1024 ** 2 ? `${Math.ceil(bytes / 1024)} KiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`);

export function testSummary(r: TestReport): string {
  const t = r.timings;
  return [
    `  ${MARK[r.verdict]} ${r.id}${r.reason ? ` (${r.reason})` : ''}  boot #${r.boot ?? '-'}${t.bootMs !== undefined ? ` ${t.bootMs} ms + ssh ${t.sshMs} ms` : r.boot ? ' (shared)' : ''}, steps ${t.stepsMs ?? '-'} ms${t.teardownMs !== undefined ? `, teardown ${t.teardownMs} ms` : ''}`,
    ...(r.firstFailure ? [`  first failing step: #${r.firstFailure.step} ${r.firstFailure.name}${r.rootCauses > 1 ? ` (${r.rootCauses} steps failed on new differences)` : ''}`] : []),
    ...(r.leftChanged?.length ? [`  left the guest changed (${r.leftChanged.length} differences, e.g. ${formatFinding(r.leftChanged[0]!)}): the next scenario boots afresh`] : []),
    ...(r.error ? [r.error.split('\n').map((l) => `  ${l}`).join('\n')] : []),
    `  artifacts: ${r.artifacts}`,
    ...(r.bundle ? [`  bundle: ${r.bundle.path} (${size(r.bundle.bytes)}; cxl-harness replay ${r.bundle.path})`] : []),
    ...(r.bundleError ? [`  no bundle: ${r.bundleError}`] : []),
  ].join('\n');
}

/** Counts per kernel × topology, then the run's line. */
export function runSummary(r: RunReport): string {
  const cells = new Map<string, TestReport[]>();
  for (const t of r.tests) {
    const k = `${t.kernel}  ${t.topology}`;
    cells.set(k, [...(cells.get(k) ?? []), t]);
  }
  const count = (ts: TestReport[], v: TestReport['verdict']) => ts.filter((t) => t.verdict === v).length;
  const line = (ts: TestReport[]) => `${count(ts, 'pass')} passed, ${count(ts, 'fail')} failed, ${count(ts, 'gap')} gaps, ${count(ts, 'n/a')} not applicable, ${count(ts, 'error')} errored`;
  const width = Math.max(0, ...[...cells.keys()].map((k) => k.length));
  const steps = r.tests.flatMap((t) => t.steps);
  const known = steps.filter((s) => s.outcome === 'known').length;
  const docs = steps.filter((s) => s.outcome === 'mismatch' || s.outcome === 'undocumented').length;
  const releases = r.kernels.map((k) => k.release || k.spec).join(', ');
  return [
    ...(cells.size > 1 ? [...cells.entries()].map(([k, ts]) => `  ${k.padEnd(width)}  ${line(ts)}`) : []),
    `${MARK[r.verdict]}: ${line(r.tests)}; ${r.boots.length} boot${r.boots.length === 1 ? '' : 's'} on ${releases} in ${(r.timings.totalMs / 1000).toFixed(1)} s${known ? `; ${known} known difference(s)` : ''}${docs ? `; ${docs} documentation finding(s)` : ''}  (report: ${r.artifacts}/report.json)`,
    ...(r.error ? [r.error] : []),
  ].join('\n');
}

/** run --baseline: what the series changed, per test (with --bisect-series, the patch that did it), and the ABI it adds that no step touched. */
export function baselineSummary(b: NonNullable<RunReport['baseline']>, tests: TestReport[] = []): string {
  const lines = [`${b.head} against ${b.base}:`];
  const changed = b.tests.filter((t) => t.change !== 'unchanged');
  const culprit = new Map(tests.flatMap((t) => (t.firstBadPatch ? [[t.id, t.firstBadPatch] as const] : [])));
  for (const change of ['regressed', 'changed errno', 'fixed', 'still failing', 'new', 'gone'] as const) {
    for (const t of changed.filter((x) => x.change === change)) {
      lines.push(`  ${change.padEnd(13)} ${t.id}${t.detail ? `: ${t.detail}` : ''}`);
      const p = culprit.get(t.id);
      if (p) lines.push(`                first bad patch: ${p.index} "${p.subject}"${p.candidates ? ` (or one of ${p.candidates.filter((c) => c !== p.index).join(', ')}: prefixes in between could not be judged)` : ''}`);
    }
  }
  if (!changed.length) lines.push('  no test changed');
  const show = (x: string) => x.replace('\t', ' ');
  lines.push(`  the series adds ${b.surface.added.length} driver(s)/attribute(s)${b.surface.removed.length ? ` and removes ${b.surface.removed.length}` : ''}; untested: ${b.surface.untested.length ? b.surface.untested.map(show).join(', ') : 'none'}`);
  return lines.join('\n');
}
