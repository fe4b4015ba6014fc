// runVerdict and exitCodeFor: the precedence fail > error > gap > pass, doc findings only under --doc-strict, on fixtures.
import test from 'ava';
import type { StepOutcome, Verdict } from '../../../harness/report/types.ts';
import { exitCodeFor, runVerdict } from '../../../harness/report/verdict.ts';
import { report } from './fixture.ts';

const tests = (...verdicts: Verdict[]) => verdicts.map((verdict) => ({ verdict, steps: [] as { outcome: StepOutcome }[] }));
const withSteps = (verdict: Verdict, ...outcomes: StepOutcome[]) => ({ verdict, steps: outcomes.map((outcome) => ({ outcome })) });

test('run verdict: fail beats error beats gap beats pass; n/a counts as pass', (t) => {
  const cases: [Verdict[], Verdict][] = [
    [['pass', 'gap', 'error', 'fail', 'n/a'], 'fail'],
    [['pass', 'gap', 'error', 'n/a'], 'error'],
    [['gap', 'pass', 'n/a'], 'gap'],
    [['pass', 'n/a'], 'pass'],
    [['n/a', 'n/a'], 'pass'],
    [[], 'pass'],
  ];
  for (const [verdicts, expected] of cases) t.is(runVerdict(tests(...verdicts)), expected, verdicts.join(','));
});

test('a run-level error makes the run an error unless a test failed', (t) => {
  t.is(runVerdict([], 'QEMU would not start'), 'error');
  t.is(runVerdict(tests('gap', 'pass'), 'QEMU would not start'), 'error');
  t.is(runVerdict(tests('fail'), 'QEMU would not start'), 'fail');
});

test('exit codes follow the README table: 1 kernel, 4 infrastructure, 5 model gap, 6 doc mismatch (strict only), 0', (t) => {
  const off = { docStrict: false };
  const on = { docStrict: true };
  t.is(exitCodeFor({ tests: tests('fail', 'error', 'gap') }, off), 1);
  t.is(exitCodeFor({ tests: tests('error', 'gap') }, off), 4);
  t.is(exitCodeFor({ tests: tests('pass'), error: 'image build failed' }, off), 4);
  t.is(exitCodeFor({ tests: tests('gap', 'pass', 'n/a') }, off), 5);
  t.is(exitCodeFor({ tests: [withSteps('gap', 'mismatch')] }, on), 5);
  t.is(exitCodeFor({ tests: [withSteps('pass', 'pass', 'mismatch')] }, on), 6);
  t.is(exitCodeFor({ tests: [withSteps('pass', 'undocumented')] }, on), 6);
  t.is(exitCodeFor({ tests: [withSteps('pass', 'known', 'mismatch')] }, off), 0);
  t.is(exitCodeFor({ tests: [withSteps('pass', 'known', 'pass')] }, on), 0);
  t.is(exitCodeFor({ tests: tests('n/a') }, on), 0);
});

test('the fixtures\' recorded verdicts and exit codes are what their tests give', async (t) => {
  for (const name of ['full.json', 'run.json', 'shard-1.json', 'shard-2.json']) {
    const r = await report(name);
    t.is(runVerdict(r.tests, r.error), r.verdict, name);
    t.is<number, number>(exitCodeFor(r, { docStrict: false }), r.exitCode, name);
  }
});

test('shard 1 holds a documentation mismatch and nothing worse: exit 6 only under --doc-strict', async (t) => {
  const r = await report('shard-1.json');
  t.is(exitCodeFor(r, { docStrict: false }), 0);
  t.is(exitCodeFor(r, { docStrict: true }), 6);
});
