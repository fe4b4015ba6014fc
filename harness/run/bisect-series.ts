// run --bisect-series: for each test the series regressed, the first patch that brings the regression, found by binary
// search over prefixes of the applied series (base + 1..k), one prefix built and run for every test still open at it.
import type { Change } from '../report/compare.ts';
import type { Verdict } from '../report/types.ts';

/** A test on base + 1..k: it behaves as on the base (good), differs as the whole series made it (bad), or cannot tell. */
export type Judgement = 'good' | 'bad' | 'skip';

/**
 * What a prefix did to a test against the base: a change a series regression is made of (bad), none (good), or
 * nothing to judge by: the harness errored, or the test did not run where the base ran it.
 */
export function judge(change: Change, verdict: Verdict | undefined): Judgement {
  if (verdict === undefined || verdict === 'error' || change === 'gone') return 'skip';
  return change === 'regressed' || change === 'changed errno' ? 'bad' : 'good';
}

/**
 * Builds and runs base + the first `patches` patches for the tests `keys`; a test missing from the answer is skipped
 * (a prefix that does not build skips them all).
 */
export type Probe = (patches: number, keys: string[]) => Promise<Map<string, Judgement>>;

export interface FirstBad {
  /** 1-based position in the series as applied: base + 1..index shows the regression, base + 1..index-1 does not. */
  index: number;
  /** When prefixes in between could not be judged: every patch that may be the first bad one (index among them). */
  candidates?: number[];
}

/** What is known of one test: `good` prefixes up to lo, bad from hi; prefixes judged 'skip' in between. */
interface Open {
  lo: number;
  hi: number;
  skipped: Set<number>;
}

/** Prefixes still worth trying for a test, nearest the middle of its interval first. */
function untried(t: Open): number[] {
  const mid = (t.lo + t.hi) / 2;
  const all = Array.from({ length: t.hi - t.lo - 1 }, (_, i) => t.lo + 1 + i).filter((k) => !t.skipped.has(k));
  return all.sort((a, b) => Math.abs(a - mid) - Math.abs(b - mid) || a - b);
}

/**
 * `count` patches, base (0) good and the whole series (`count`) bad for every key: narrows each test's interval by
 * probing prefixes; one probe serves every test whose interval holds that prefix, so tests regressed by the same
 * patch share builds. Assumes a regression, once in, stays (as git bisect does).
 */
export async function firstBadPatches(count: number, keys: string[], probe: Probe): Promise<Map<string, FirstBad>> {
  const open = new Map(keys.map((k) => [k, { lo: 0, hi: count, skipped: new Set<number>() } satisfies Open]));
  for (;;) {
    const next = [...open.values()].map(untried).find((c) => c.length)?.[0];
    if (next === undefined) break;
    const at = [...open.entries()].filter(([, t]) => t.lo < next && next < t.hi && !t.skipped.has(next)).map(([k]) => k);
    const answers = await probe(next, at);
    for (const k of at) {
      const t = open.get(k)!;
      const j = answers.get(k) ?? 'skip';
      if (j === 'good') t.lo = next;
      else if (j === 'bad') t.hi = next;
      else t.skipped.add(next);
    }
  }
  return new Map(
    [...open.entries()].map(([k, t]) => {
      const unsure = [...t.skipped].filter((s) => t.lo < s && s < t.hi);
      const candidates = Array.from({ length: t.hi - t.lo }, (_, i) => t.lo + 1 + i);
      return [k, { index: t.hi, ...(unsure.length ? { candidates } : {}) }];
    }),
  );
}
