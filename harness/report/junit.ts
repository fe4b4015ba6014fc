// RunReport → JUnit XML: a suite per kernel × topology, a case per test, the failing step and the step's dmesg inside.
import { failureLines, failureOf, testSeconds } from './describe.ts';
import type { RunReport, TestReport } from './types.ts';
import { xmlAttr, xmlText } from './xml.ts';

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  time: number;
}

function counts(tests: TestReport[]): Counts {
  const n = (...v: string[]) => tests.filter((t) => v.includes(t.verdict)).length;
  // A model gap is never a pass; JUnit has no third outcome, so it counts as a failure of its own type.
  return { tests: tests.length, failures: n('fail', 'gap'), errors: n('error'), skipped: n('n/a'), time: tests.reduce((s, t) => s + testSeconds(t), 0) };
}

function attrs(c: Counts): string {
  return `tests="${c.tests}" failures="${c.failures}" errors="${c.errors}" skipped="${c.skipped}" time="${c.time.toFixed(3)}"`;
}

/** Dots read as package separators in CI viewers, slashes as paths: neither may split a kernel spec or topology name. */
function classPart(s: string): string {
  return s.replace(/[./]/g, '_');
}

function outcome(t: TestReport): string {
  if (t.verdict === 'n/a') return `<skipped message="${xmlAttr(t.reason ?? 'not applicable')}"/>`;
  const f = failureOf(t);
  if (!f) return '';
  const lines = failureLines(f);
  const message = xmlAttr(lines.join('\n'));
  const body = xmlText([...lines, `artifacts: ${t.artifacts}`, ...(t.bundle ? [`reproduction bundle: ${t.bundle.path}`] : [])].join('\n'));
  if (t.verdict === 'error') return `<error message="${message}" type="harness">${body}</error>`;
  return `<failure message="${message}" type="${t.verdict === 'gap' ? 'model-gap' : 'kernel'}">${body}</failure>`;
}

/** The console slice: each step's dmesg lines under the step's name. */
function systemOut(t: TestReport): string {
  const lines = t.steps.filter((s) => s.dmesg.length).flatMap((s) => [`# step ${s.index} "${s.name}"`, ...s.dmesg]);
  return lines.length ? `<system-out>${xmlText(lines.join('\n'))}</system-out>` : '';
}

function testcase(t: TestReport): string {
  const open = `    <testcase classname="${xmlAttr(`${classPart(t.kernel)}.${classPart(t.topology)}`)}" name="${xmlAttr(`${t.scenario}[${t.variant}]`)}" time="${testSeconds(t).toFixed(3)}"`;
  const inner = outcome(t) + systemOut(t);
  return inner ? `${open}>${inner}</testcase>` : `${open}/>`;
}

export function toJUnit(r: RunReport): string {
  const suites = new Map<string, TestReport[]>();
  for (const t of r.tests) {
    const name = `${t.kernel}/${t.topology}`;
    suites.set(name, [...(suites.get(name) ?? []), t]);
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="cxl-harness" ${attrs(counts(r.tests))}>`,
    ...[...suites].flatMap(([name, tests]) => [`  <testsuite name="${xmlAttr(name)}" ${attrs(counts(tests))}>`, ...tests.map(testcase), '  </testsuite>']),
    '</testsuites>',
    '',
  ].join('\n');
}
