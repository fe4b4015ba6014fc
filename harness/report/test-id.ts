// How a test is named across runs, shards and kernels: its id, and the kernel-free key used to compare two kernels.
import type { TestReport } from './types.ts';

type Named = Pick<TestReport, 'kernel' | 'topology' | 'scenario' | 'variant'>;

/** "<topology>/<scenario>[<variant>]": the same test on any kernel. */
export function testKey(t: Omit<Named, 'kernel'>): string {
  return `${t.topology}/${t.scenario}[${t.variant}]`;
}

/** "<kernel spec>/<topology>/<scenario>[<variant>]": unique within a run and stable across runs and shards. */
export function testId(t: Named): string {
  return `${t.kernel}/${testKey(t)}`;
}
