// The run fails when a series it applied went untested: every scenario of that series ended not applicable.
import type { TestReport } from '../report/types.ts';
import type { PreparedKernel } from './matrix.ts';

/** A series the harness applied whose scenarios all ended not applicable: what it adds never appeared in the guest. */
export function seriesCheck(kernels: Pick<PreparedKernel, 'spec' | 'appliedSeries'>[], tests: Pick<TestReport, 'kernel' | 'file' | 'verdict' | 'reason'>[]): string | undefined {
  for (const k of kernels) {
    for (const name of k.appliedSeries) {
      const mine = tests.filter((t) => t.kernel === k.spec && t.file.includes(`/series/${name}/`));
      if (mine.length && mine.every((t) => t.verdict === 'n/a')) {
        return `the series ${name} was applied to ${k.spec} but the guest does not show what it adds: all ${mine.length} of its scenario runs were not applicable (${mine[0]!.reason})`;
      }
    }
  }
  return undefined;
}
