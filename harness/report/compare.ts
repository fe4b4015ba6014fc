// Two reports (BASE, HEAD) → per test what changed: regressed, fixed, changed errno, still failing, new, gone.
import { failureLines, failureOf } from './describe.ts';
import { testKey } from './test-id.ts';
import type { RunReport, TestReport, Verdict } from './types.ts';

export const CHANGES = ['regressed', 'fixed', 'changed errno', 'still failing', 'new', 'gone', 'unchanged'] as const;
export type Change = (typeof CHANGES)[number];

export interface ComparedTest {
  /** The HEAD test id, or the BASE id for a test HEAD lacks. */
  id: string;
  change: Change;
  base?: Verdict;
  head?: Verdict;
  /** The step whose result changed, or why HEAD's test did not pass. */
  detail?: string;
}

export interface Comparison {
  /** Kernels whose specs differ but whose tests were matched on "<topology>/<scenario>[<variant>]". */
  paired?: { base: string; head: string };
  tests: ComparedTest[];
  regressed: boolean;
}

/**
 * BASE usually runs the base kernel and HEAD base + series, so their specs differ. Kernels in both keep their ids; when
 * exactly one kernel is left on each side, those two are paired.
 */
function pairing(base: RunReport, head: RunReport): Comparison['paired'] {
  const inHead = new Set(head.kernels.map((k) => k.spec));
  const inBase = new Set(base.kernels.map((k) => k.spec));
  const onlyBase = [...inBase].filter((s) => !inHead.has(s));
  const onlyHead = [...inHead].filter((s) => !inBase.has(s));
  return onlyBase.length === 1 && onlyHead.length === 1 ? { base: onlyBase[0]!, head: onlyHead[0]! } : undefined;
}

/** Steps at the same index with the same name whose observed result differs. */
function changedResults(base: TestReport, head: TestReport): string[] {
  return head.steps.flatMap((h) => {
    const b = base.steps.find((s) => s.index === h.index && s.name === h.name);
    const [from, to] = [b?.observed.result, h.observed.result];
    return from !== undefined && to !== undefined && from !== to ? [`step ${h.index} "${h.name}": ${from} → ${to}`] : [];
  });
}

function classify(base: TestReport | undefined, head: TestReport | undefined): { change: Change; detail?: string } {
  const why = (t: TestReport | undefined) => {
    const f = t && failureOf(t);
    // The step line, and its first state difference or kernel line: when the results agree, that is the reason.
    return f ? failureLines(f).slice(0, 2).join('; ') : undefined;
  };
  const ran = (t: TestReport | undefined): t is TestReport => t !== undefined && t.verdict !== 'n/a';
  // A kernel failure HEAD shows and BASE did not is a regression, whatever BASE did instead.
  if (head?.verdict === 'fail' && base?.verdict !== 'fail') return { change: 'regressed', detail: why(head) };
  if (!ran(base) && !ran(head)) return { change: base && head ? 'unchanged' : base ? 'gone' : 'new' };
  if (!ran(head)) return { change: 'gone' };
  if (!ran(base)) return { change: 'new', detail: why(head) };
  if (base.verdict === 'pass' && head.verdict !== 'pass') return { change: 'regressed', detail: why(head) };
  if (base.verdict !== 'pass' && head.verdict === 'pass') return { change: 'fixed', detail: why(base) && `was: ${why(base)}` };
  const changed = changedResults(base, head);
  if (base.verdict === head.verdict && changed.length) return { change: 'changed errno', detail: changed.join('; ') };
  return head.verdict === 'pass' ? { change: 'unchanged' } : { change: 'still failing', detail: why(head) };
}

export function compareReports(base: RunReport, head: RunReport): Comparison {
  const paired = pairing(base, head);
  const headId = (t: TestReport) => (paired && t.kernel === paired.base ? `${paired.head}/${testKey(t)}` : t.id);
  const before = new Map(base.tests.map((t) => [headId(t), t]));
  const after = new Map(head.tests.map((t) => [t.id, t]));
  const ids = [...new Set([...after.keys(), ...before.keys()])].sort();
  const tests = ids.map((id): ComparedTest => {
    const [b, h] = [before.get(id), after.get(id)];
    const { change, detail } = classify(b, h);
    return { id: h ? id : b!.id, change, ...(b ? { base: b.verdict } : {}), ...(h ? { head: h.verdict } : {}), ...(detail ? { detail } : {}) };
  });
  return { ...(paired ? { paired } : {}), tests, regressed: tests.some((t) => t.change === 'regressed') };
}
