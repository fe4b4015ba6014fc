// Expected vs observed snapshots → findings that name the key, the expected and the observed value.
import type { Snapshot } from '../model/render.ts';

export interface Finding {
  key: string;
  /** Undefined: the model says it should not exist. */
  expected?: string;
  /** Undefined: the guest does not have it. */
  observed?: string;
}

export function diffSnapshots(expected: Snapshot, observed: Snapshot): Finding[] {
  const keys = [...new Set([...Object.keys(expected), ...Object.keys(observed)])].sort();
  return keys
    .filter((k) => expected[k] !== observed[k])
    .map((k) => ({ key: k, ...(k in expected ? { expected: expected[k] } : {}), ...(k in observed ? { observed: observed[k] } : {}) }));
}

export function formatFinding(f: Finding): string {
  const show = (v: string | undefined) => (v === undefined ? '(absent)' : JSON.stringify(v));
  return `${f.key}: expected ${show(f.expected)}, observed ${show(f.observed)}`;
}
