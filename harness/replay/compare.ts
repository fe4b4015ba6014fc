// Did the replay see what the bundle recorded? The same verdict and, for a failure, the same first failing step
// with the same observed result.
import type { TestReport } from '../report/types.ts';
import type { TestManifest } from './manifest.ts';

export interface Reproduction {
  reproduced: boolean;
  lines: string[];
}

const describe = (verdict: string, f?: { step: number; name: string; observed?: string | undefined }) =>
  f ? `${verdict} at step #${f.step} ${f.name}${f.observed !== undefined ? ` (observed ${f.observed})` : ''}` : verdict;

export function compareReplay(recorded: TestManifest['test'], now: TestReport | undefined): Reproduction {
  const was = describe(recorded.verdict, recorded.firstFailure);
  if (!now) return { reproduced: false, lines: [`recorded: ${was}`, 'replayed: the test did not run'] };
  const f = now.firstFailure;
  const is = describe(now.verdict, f ? { step: f.step, name: f.name, observed: f.observed } : undefined);
  const r = recorded.firstFailure;
  const same = recorded.verdict === now.verdict && (r === undefined) === (f === undefined) && (!r || !f || (r.step === f.step && r.name === f.name && r.observed === f.observed));
  return { reproduced: same, lines: [`recorded: ${was}`, `replayed: ${is}`, same ? 'reproduced' : 'NOT reproduced'] };
}
