// RunReport → TAP version 14: a test point per test, SKIP for n/a, a YAML diagnostic under each one that did not pass.
import { stringify } from 'yaml';
import { failureOf } from './describe.ts';
import type { RunReport, TestReport } from './types.ts';

/** TAP 14 reserves "#" in a description for directives and "\" for escaping them. */
function description(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/#/g, '\\#');
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

function diagnostic(t: TestReport): string[] {
  const f = failureOf(t);
  if (!f) return [];
  const yaml = stringify({ verdict: t.verdict, ...f, artifacts: t.artifacts }, { lineWidth: 0 });
  return ['  ---', ...yaml.trimEnd().split('\n').map((l) => `  ${l}`), '  ...'];
}

function point(t: TestReport, n: number): string[] {
  const name = `${n} - ${description(t.id)}`;
  if (t.verdict === 'pass') return [`ok ${name}`];
  if (t.verdict === 'n/a') return [`ok ${name} # SKIP ${oneLine(t.reason ?? 'not applicable')}`];
  return [`not ok ${name}`, ...diagnostic(t)];
}

export function toTap(r: RunReport): string {
  return [
    'TAP version 14',
    `1..${r.tests.length}`,
    ...r.tests.flatMap((t, i) => point(t, i + 1)),
    // A run-level error (a kernel that would not build, a QEMU that would not start) ends the stream as aborted.
    ...(r.error !== undefined ? [`Bail out! ${oneLine(r.error.split('\n')[0]!)}`] : []),
    '',
  ].join('\n');
}
