// One run as a command starts it: console output, Ctrl-C and --timeout, the runtime opened and closed around it.
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { HarnessError } from '../common/errors.ts';
import { baselineSummary, runSummary, STEP_HEADER, stepLine, testSummary } from '../report/console.ts';
import type { RunReport } from '../report/types.ts';
import { openRuntime, type RuntimeName } from '../runtime/select.ts';
import type { KeepPolicy } from './group.ts';
import { Holds } from './hold.ts';
import type { Job } from './matrix.ts';
import { run, type RunOptions } from './run.ts';

export type SessionOptions = Omit<RunOptions, 'runtime' | 'signal' | 'events' | 'keep'> & {
  /** Guests to keep running after their test until Ctrl-C or `cxl-harness stop`. */
  keep: KeepPolicy;
  runtimeName: RuntimeName;
  /** Stop the whole run after this long (exit 4; artifacts kept). */
  timeoutMinutes?: number;
};

/** Console output: live when one VM runs; otherwise each test's lines are printed together when it ends. */
function consoleEvents(parallel: boolean): RunOptions['events'] {
  const out = (s: string) => process.stdout.write(`${s}\n`);
  const buffers = new Map<Job, string[]>();
  let total = 0;
  let done = 0;
  const t0 = Date.now();
  // Tests end at an even pace per VM slot closely enough for a minute-level estimate.
  const eta = () => {
    if (!total || done >= total) return '';
    const left = ((Date.now() - t0) / done) * (total - done);
    return `, about ${left >= 60_000 ? `${Math.floor(left / 60_000)} min ` : ''}${Math.round((left % 60_000) / 1000)} s left`;
  };
  const emit = (job: Job, line: string) => (parallel ? buffers.set(job, [...(buffers.get(job) ?? []), line]) : out(line));
  return {
    log: out,
    testStart: (job, shared) => emit(job, `\n${job.id}  (${job.scenario.file})${shared ? '  on the same boot' : ''}\n${STEP_HEADER}`),
    step: (job, r) => emit(job, stepLine(r)),
    plan: (tests) => {
      total = tests;
    },
    testEnd: (job, r) => {
      done++;
      const count = total ? `  [${done}/${total}${eta()}]` : '';
      if (r.verdict === 'n/a' && !buffers.has(job) && r.steps.length === 0) return out(`  N/A  ${r.id}: ${r.reason}${count}`);
      const [head, ...rest] = testSummary(r).split('\n');
      emit(job, [`${head}${count}`, ...rest].join('\n'));
      if (parallel) out((buffers.get(job) ?? []).join('\n'));
      buffers.delete(job);
    },
  };
}

export async function runSession(o: SessionOptions): Promise<RunReport> {
  const abort = new AbortController();
  let finished = false;
  // Listeners stay registered until the run ends: execa's signal-exit re-raises a signal nobody else listens to,
  // which would kill the harness before it powers its guests off.
  const onSignal = (signal: NodeJS.Signals) => {
    if (abort.signal.aborted) {
      if (signal === 'SIGINT') process.exit(130);
      return;
    }
    process.stderr.write(finished ? '\npowering off the kept guests\n' : '\ninterrupted: stopping the guests and writing artifacts (Ctrl-C again to force)\n');
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const minutes = o.timeoutMinutes;
  const deadline = minutes
    ? setTimeout(() => {
        process.stderr.write(`\nthe run reached --timeout ${minutes} min: stopping the guests and writing artifacts\n`);
        abort.abort(new HarnessError(`the run did not finish within --timeout ${minutes} min`, { stage: 'steps' }));
      }, minutes * 60_000)
    : undefined;
  const runtime = await openRuntime(o.runtimeName, (l) => process.stdout.write(`${l}\n`), { mounts: [resolve(o.artifacts)], signal: abort.signal });
  const parallel = (o.jobs ?? Math.floor(availableParallelism() / 2)) > 1;
  const events = consoleEvents(parallel);
  const holds = new Holds(events.log);
  try {
    const report = await run({ ...o, keep: { policy: o.keep, holds }, runtime, signal: abort.signal, events });
    if (report.baseline) process.stdout.write(`\n${baselineSummary(report.baseline, report.tests)}\n`);
    process.stdout.write(`\n${runSummary(report)}\n`);
    clearTimeout(deadline);
    finished = true;
    await holds.waitThenRelease(abort.signal);
    return report;
  } finally {
    await holds.release();
    clearTimeout(deadline);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await runtime.close();
  }
}
