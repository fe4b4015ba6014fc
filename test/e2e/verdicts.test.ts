// The verdict can fail, not just pass: a wrong expectation exits 1 naming the step; bad input exits 2 before any
// boot; a kernel crash exits 1 on the step that caused it; a kernel without kmem fails the kmem scenario.
import test from 'ava';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';
import { fixture, harness, scenario } from './cli.ts';

test('a pinned expectation the kernel contradicts exits 1 and names the step', async (t) => {
  const r = await harness([fixture('wrong-expectation.yaml')]);
  t.is(r.exitCode, 1, r.stdout + r.stderr);
  t.regex(r.stdout, /FAIL\s+2 granularity 256 pinned as refused\s+EINVAL\s+ok/);
  t.regex(r.stdout, /first failing step: #2 granularity 256 pinned as refused/);
  const s = r.report!.tests[0]!;
  t.is(s.verdict, 'fail');
  t.deepEqual(s.steps.filter((x) => !x.pass).map((x) => x.index), [2]);
  t.is(r.report!.exitCode, 1);
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
  t.regex(r.stdout, /FAIL\s+\d+ decommit with leaked online memory/);
  t.regex(r.stdout, /the guest kernel crashed during this step/);
  t.regex(r.stdout, /kernel: .*(BUG|Oops|Kernel panic)/);
  const s = r.report!.tests[0]!;
  t.is(s.verdict, 'fail');
  const last = s.steps.at(-1)!;
  t.is(last.name, 'decommit with leaked online memory', 'no step runs after the crash');
  t.true(last.trouble.length > 0);
});

test('a guest without kmem fails the stock kmem scenario instead of skipping it, and its bundle replays the failure', async (t) => {
  const r = await harness([scenario('stock/kmem.yaml'), '--variant', 'offline', '--append', 'module_blacklist=kmem']);
  t.is(r.exitCode, 1, r.stdout + r.stderr);
  const s = r.report!.tests[0]!;
  t.is(s.verdict, 'fail');
  // The dax device appears, but nothing binds it: the model expected kmem to.
  t.true(s.firstFailure!.findings.some((f) => /^dax\/dax\d+\.0$/.test(f.key) && f.expected === 'kmem' && f.observed === '-'), JSON.stringify(s.firstFailure));
  // The failing test left a bundle; replaying it boots the same Debian package version with the same parameters.
  t.truthy(s.bundle, 'a failing test gets a bundle');
  const replay = await harness([s.bundle!.path, '--artifacts', join(r.dir, 'replay')], 'replay');
  t.is(replay.exitCode, 1, replay.stdout + replay.stderr);
  t.regex(replay.stdout, new RegExp(`recorded: fail at step #${s.firstFailure!.step} `));
  t.regex(replay.stdout, new RegExp(`replayed: fail at step #${s.firstFailure!.step} `));
  t.regex(replay.stdout, /^reproduced$/m);
  t.regex(replay.stdout, /debian:7\.2=\S+\/default\/stock-kmem\[offline\]/);
});

test('replay refuses a hostile bundle with exit 2 before anything starts', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cxl-harness-hostile-'));
  const file = join(dir, 'evil.bundle.tar.gz');
  const pack = tarPack();
  pack.entry({ name: 'manifest.json' }, JSON.stringify({ bundleVersion: 1, files: {} }));
  pack.entry({ name: '../escape' }, 'pwned');
  pack.finalize();
  await pipeline(pack, createGzip(), createWriteStream(file));
  const r = await harness([file, '--artifacts', join(dir, 'artifacts')], 'replay');
  t.is(r.exitCode, 2, r.stdout + r.stderr);
  t.regex(r.stderr, /refused: "\.\.\/escape": a "\.\." component/);
  t.false(existsSync(join(dir, 'escape')));
  t.notRegex(r.stdout, /boot/);
});
