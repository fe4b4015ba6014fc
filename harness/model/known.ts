// Known differences: where a kernel version range is documented to differ from the model (a version difference) or
// shows a recorded kernel finding (docs/observations.md). Data with evidence, never a branch in the model.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { projectPath } from '../common/project.ts';
import type { Finding } from '../diff/diff.ts';

const KNOWN = z.object({
  known: z.array(
    z
      .object({
        id: z.string(),
        /**
         * The model fact that decides the step this applies to. Without one, the entry is about state alone (an
         * attribute a version range lacks): it explains any step whose result agrees with the model and whose new
         * differences all match `findings`.
         */
        fact: z.string().optional(),
        /** Only in this scenario (a finding's own scenario), when given. */
        scenario: z.string().optional(),
        /** Only on these topologies (by name), when given: a finding that needs a particular shape. */
        topologies: z.array(z.string()).optional(),
        /** Kernel releases it holds for: comparisons joined by ",", e.g. ">= 6.12, < 7.0"; "*" for all. */
        kernels: z.string(),
        kind: z.enum(['version', 'finding']),
        /** The result the kernels in range give instead of the model's. */
        observed: z.string().optional(),
        /** Snapshot keys (regular expressions) that may differ from the model at that step. */
        findings: z.array(z.string()).default([]),
        evidence: z.string(),
      })
      .strict(),
  ),
});
export type Known = z.infer<typeof KNOWN>['known'][number];

let cache: Known[] | undefined;
export function knownDifferences(): Known[] {
  cache ??= KNOWN.parse(parse(readFileSync(projectPath('harness/model/known.yaml'), 'utf8'))).known;
  return cache;
}

function version(s: string): number[] {
  return (/^(\d+)\.(\d+)(?:\.(\d+))?/.exec(s)?.slice(1) ?? []).map((x) => Number(x ?? 0));
}

function cmp(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

/** Whether a kernel release ("7.2.13+deb14-amd64") is inside a range like ">= 6.12, < 7.0". */
export function inRange(release: string, range: string): boolean {
  if (range.trim() === '*') return true;
  const v = version(release);
  if (!v.length) return false;
  return range.split(',').every((part) => {
    const m = /^\s*(<=|>=|<|>|=)?\s*(\d+\.\d+(?:\.\d+)?)\s*$/.exec(part);
    if (!m) return false;
    const c = cmp(v, version(m[2]!));
    switch (m[1] ?? '=') {
      case '<': return c < 0;
      case '<=': return c <= 0;
      case '>': return c > 0;
      case '>=': return c >= 0;
      default: return m[2]!.split('.').every((x, i) => v[i] === Number(x));
    }
  });
}

/** The known difference that explains a step, if one does: same fact, kernel in range, result and new findings covered. */
export function explain(release: string, where: { scenario: string; topology: string }, fact: string | undefined, observed: string | undefined, resultOk: boolean, findings: Finding[]): Known | undefined {
  return knownDifferences().find(
    (k) =>
      (k.fact === undefined ? resultOk && findings.length > 0 : k.fact === fact) &&
      (k.scenario === undefined || k.scenario === where.scenario) &&
      (k.topologies === undefined || k.topologies.includes(where.topology)) &&
      inRange(release, k.kernels) &&
      (resultOk ? k.observed === undefined || k.observed === observed : k.observed === observed) &&
      findings.every((f) => k.findings.some((re) => new RegExp(`^${re}$`).test(f.key))),
  );
}
