// The verdict can fail, not just pass: a wrong expectation exits 1 naming the step; bad input exits 2 before any boot.
import test from 'ava';
import { fixture, harness } from './cli.ts';

test('a pinned expectation the kernel contradicts exits 1 and names the step', async (t) => {
  const r = await harness([fixture('wrong-expectation.yaml')]);
  t.is(r.exitCode, 1, r.stdout + r.stderr);
  t.regex(r.stdout, /FAIL\s+2 granularity 256 pinned as refused\s+EINVAL\s+ok/);
  t.regex(r.stdout, /first failing step: #2 granularity 256 pinned as refused/);
  const s = r.report!.scenarios[0]!;
  t.is(s.verdict, 'fail');
  t.deepEqual(s.steps.filter((x) => !x.pass).map((x) => x.index), [2]);
});

test('a malformed scenario exits 2 naming file and field, and boots nothing', async (t) => {
  const r = await harness([fixture('bad-step.yaml')]);
  t.is(r.exitCode, 2);
  t.regex(r.stderr, /bad-step\.yaml/);
  t.regex(r.stderr, /steps\[0\]\.bind\.device/);
  // Input is checked before a run (and its report) starts.
  t.is(r.report, undefined);
});

test('an unknown kernel spec exits 2 with the accepted forms', async (t) => {
  const r = await harness(['--kernel', 'debian:seven']);
  t.is(r.exitCode, 2);
  t.regex(r.stderr, /--kernel: "debian:seven" is not accepted; accepted: debian:<major\.minor/);
});

test('a kernel crash is reported on the step that caused it, with the console lines, and exits 1', async (t) => {
  const r = await harness([fixture('crash-decommit-online.yaml')]);
  t.is(r.exitCode, 1, r.stdout + r.stderr);
  t.regex(r.stdout, /FAIL\s+12 decommit with leaked online memory/);
  t.regex(r.stdout, /the guest kernel crashed during this step/);
  t.regex(r.stdout, /kernel: .*(BUG|Oops|Kernel panic)/);
  const s = r.report!.scenarios[0]!;
  t.is(s.verdict, 'fail');
  t.is(s.steps.at(-1)!.index, 12, 'no step runs after the crash');
  t.true(s.steps.at(-1)!.trouble.length > 0);
});
