// Faults from outside the kernel under test: a guest that stops answering, QEMU killed or crashing at boot, the
// guest's SSH server gone, the whole-run --timeout, Ctrl-C twice, an artifacts folder that cannot hold a run, and two
// runs filling one fresh cache. Each ends with a clear verdict or message and its exit code, keeps its artifacts, and
// leaves no QEMU of its own running (QEMU is found only by the run's own hostfwd port and run folder: other runs'
// guests are never touched).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import ssh2 from 'ssh2';
import type { TestReport } from '../../harness/report/types.ts';
import { HUNG } from '../../harness/run/steps.ts';
import { fixture, scenario } from './cli.ts';
import { assertArtifacts, assertNoQemu, qemuOf, qemuPid, startRun, stepsOf, type Watched } from './fault-run.ts';

/** Step 0's line: the boot is done and the scenario's first step is running. */
const STEP0 = /^\s*ok\s+0 boot:/m;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Ends a QEMU the harness failed to end, so one failing test does not leave a guest behind for the next. */
function reap(pid: number, runDir: string) {
  return async () => {
    if (!(await qemuOf(runDir)).some((q) => q.pid === pid)) return;
    for (const s of ['SIGCONT', 'SIGKILL'] as const) {
      try {
        process.kill(pid, s);
      } catch {
        // gone
      }
    }
  };
}

/** A run started with `args`, once its output matches `at`: its folder and QEMU, which is reaped after the test whatever happens. */
async function runningAt(t: ExecutionContext, args: string[], at: RegExp = STEP0) {
  const run = await startRun(args);
  await run.waitFor(at);
  const runDir = await run.runDir();
  const pid = await qemuPid(runDir);
  t.teardown(reap(pid, runDir));
  return { run, runDir, pid };
}

/** The one test of a one-scenario run, from the report's tests or, when the run was stopped, from its steps.json. */
async function onlyTest(run: Watched, runDir: string): Promise<TestReport> {
  const found: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name));
      else if (e.name === 'steps.json') found.push(join(d, e.name));
    }
  };
  await walk(runDir);
  if (found.length !== 1) throw new Error(`expected one steps.json under ${runDir}, found ${found.length}:\n${run.output()}`);
  return JSON.parse(await readFile(found[0]!, 'utf8')) as TestReport;
}

test.serial('a guest that stops answering during a step is reported hung on that step, and its QEMU is ended', async (t) => {
  t.timeout(180_000);
  // Scale 0.5: the listing's SSH command times out after 15 s instead of 30 s.
  const { run, runDir, pid } = await runningAt(t, [fixture('slow-step.yaml'), '--timeout-scale', '0.5']);
  await sleep(1000);
  process.kill(pid, 'SIGSTOP');
  const stoppedAt = Date.now();
  const r = await run.done;
  t.log(`exit ${r.exitCode} ${Math.round((Date.now() - stoppedAt) / 1000)} s after SIGSTOP, run ${Math.round(r.ms / 1000)} s`);
  // A hang is the guest's (the kernel's) failure as far as the harness can tell: the step fails, exit 1.
  t.is(r.exitCode, 1, r.stdout + r.stderr);
  t.regex(r.stdout, /FAIL\s+1 slow listing/);
  t.true(r.stdout.includes(HUNG), r.stdout);
  const s = r.report!.tests[0]!;
  t.is(s.verdict, 'fail');
  const last = s.steps.at(-1)!;
  t.is(last.index, 1);
  t.is(last.outcome, 'fail');
  t.true(last.observed.message!.startsWith(HUNG), last.observed.message);
  t.regex(last.observed.message!, /did not answer within 15000 ms/);
  t.is((await stepsOf(s)).verdict, 'fail');
  await assertArtifacts(t, runDir);
  await assertNoQemu(t, runDir);
});

test.serial('the whole-run --timeout stops the run with exit 4, writes the artifacts and leaves no QEMU', async (t) => {
  t.timeout(120_000);
  // 0.2 min = 12 s: the guest boots (about 7 s warm), and the slow step (8 s in the guest) cannot finish.
  const run = await startRun([fixture('slow-step.yaml'), '--timeout', '0.2']);
  const r = await run.done;
  t.log(`exit ${r.exitCode} after ${Math.round(r.ms / 1000)} s`);
  t.is(r.exitCode, 4, r.stdout + r.stderr);
  t.regex(r.stderr, /the run reached --timeout 0\.2 min/);
  t.regex(r.stderr, /did not finish within --timeout 0\.2 min/);
  t.true(r.ms < 60_000, `${r.ms} ms`);
  const runDir = await run.runDir();
  const report = await assertArtifacts(t, runDir);
  t.is(report.exitCode, 4);
  t.regex(report.error ?? '', /did not finish within --timeout 0\.2 min/);
  t.is(r.report?.exitCode, 4, 'the --json report too');
  const s = await onlyTest(run, runDir);
  t.is(s.verdict, 'error');
  t.true(existsSync(join(runDir, 'boot-1', 'console.log')));
  await assertNoQemu(t, runDir);
});

test.serial('QEMU killed during a step: the step says QEMU exited, the test errors, exit 4', async (t) => {
  t.timeout(120_000);
  const { run, runDir, pid } = await runningAt(t, [fixture('slow-step.yaml')]);
  await sleep(1000);
  process.kill(pid, 'SIGKILL');
  const r = await run.done;
  t.log(`exit ${r.exitCode} after ${Math.round(r.ms / 1000)} s`);
  t.is(r.exitCode, 4, r.stdout + r.stderr);
  t.regex(r.stdout, /step 1 \(slow listing\): QEMU exited during the step \(pid \d+\)/);
  t.log(r.report!.tests[0]!.error);
  t.false(r.stdout.includes(HUNG), 'not reported as a hang');
  const s = r.report!.tests[0]!;
  t.is(s.verdict, 'error');
  t.regex(s.error!, /QEMU exited during the step/);
  t.false(s.steps.some((x) => x.index === 1 && x.pass), 'the interrupted step did not pass');
  t.is(r.report!.exitCode, 4);
  await assertArtifacts(t, runDir);
  await assertNoQemu(t, runDir);
});

test.serial('QEMU aborting before the guest is ready is booted once more; the crash is in the report and its console kept', async (t) => {
  t.timeout(180_000);
  const run = await startRun([fixture('slow-step.yaml')]);
  const runDir = await run.runDir();
  const first = await qemuPid(runDir);
  t.teardown(reap(first, runDir));
  // As QEMU's own failed assertion does (QEMU issue 1921): SIGABRT while the guest is still booting.
  process.kill(first, 'SIGABRT');
  const r = await run.done;
  t.is(r.exitCode, 0, r.stdout + r.stderr);
  const boot = r.report!.boots[0]!;
  t.is(r.report!.boots.length, 1);
  t.is(boot.qemuCrashes?.length, 1);
  t.regex(boot.qemuCrashes![0]!, /QEMU crashed \(SIGABRT\) before the guest was ready/);
  t.regex(r.stdout + r.stderr, /boot 1: booted again after QEMU crashed \(SIGABRT\)/);
  t.true(existsSync(join(runDir, 'boot-1', 'console-qemu-crash.log')));
  t.is(r.report!.tests[0]!.verdict, 'pass');
  await assertNoQemu(t, runDir);
});

test.serial("the guest's SSH server killed during a step: an SSH-connection error naming the step, exit 4", async (t) => {
  t.timeout(120_000);
  const { run, runDir, pid } = await runningAt(t, [fixture('slow-step.yaml')]);
  const port = Number(/hostfwd=tcp:127\.0\.0\.1:(\d+)-/.exec(await readFile(join(runDir, 'boot-1', 'qemu-command.sh'), 'utf8'))![1]);
  const privateKey = await readFile(join(runDir, 'boot-1', 'id_ed25519'), 'utf8');
  // dropbear forks per connection: killing the listener alone leaves the harness's session up, so every one goes.
  await new Promise<void>((resolve, reject) => {
    const c = new ssh2.Client();
    c.on('ready', () =>
      c.exec('killall dropbear', (err, stream) => {
        if (err) return reject(err);
        stream.on('close', () => c.end());
        stream.resume();
      }),
    );
    c.on('error', () => undefined);
    c.on('close', () => resolve());
    c.connect({ host: '127.0.0.1', port, username: 'root', privateKey, readyTimeout: 20_000 });
  });
  const r = await run.done;
  t.log(`exit ${r.exitCode} after ${Math.round(r.ms / 1000)} s`);
  t.is(r.exitCode, 4, r.stdout + r.stderr);
  t.log(r.report!.tests[0]!.error);
  t.regex(r.stdout, /step 1 \(slow listing\): the (guest ended the SSH connection|SSH connection to the guest (closed|failed))/);
  t.false(r.stdout.includes(HUNG), 'not reported as a hang');
  const s = r.report!.tests[0]!;
  t.is(s.verdict, 'error');
  t.regex(s.error!, /^\[guest\] step 1 \(slow listing\): .*SSH connection/);
  await assertArtifacts(t, runDir);
  await assertNoQemu(t, runDir);
});

test.serial('Ctrl-C twice exits 130 at once and leaves no QEMU of the run', async (t) => {
  t.timeout(120_000);
  const { run, runDir, pid } = await runningAt(t, [scenario('stock/kmem.yaml'), '--variant', 'offline'], /^\s*ok\s+3 /m);
  run.kill('SIGINT');
  await sleep(100);
  const second = Date.now();
  run.kill('SIGINT');
  const r = await run.done;
  const ms = Date.now() - second;
  t.log(`exit ${r.exitCode} ${ms} ms after the second SIGINT`);
  t.is(r.exitCode, 130, r.stdout + r.stderr);
  t.regex(r.stderr, /interrupted: stopping the guests and writing artifacts \(Ctrl-C again to force\)/);
  t.true(ms < 3000, `${ms} ms`);
  // The forced exit does not wait for QEMU; it must still end it (within a few seconds of SIGTERM).
  await assertNoQemu(t, runDir, 5000);
  t.log(`no QEMU of the run ${Date.now() - second} ms after the second SIGINT`);
  // A forced exit writes no report; what was written before it stays.
  t.true(existsSync(join(runDir, 'boot-1', 'console.log')));
  t.log(`left in the run folder: ${(await readdir(runDir)).join(', ')}`);
});

test.serial('an artifacts folder on /proc exits 2 before any boot, at once', async (t) => {
  t.timeout(60_000);
  const run = await startRun([scenario('stock/kmem.yaml'), '--variant', 'offline'], { artifacts: '/proc/x' });
  const r = await run.done;
  t.log(`exit ${r.exitCode} after ${r.ms} ms`);
  t.is(r.exitCode, 2, r.stdout + r.stderr);
  t.regex(r.stderr, /--artifacts \/proc\/x: \/proc is on a pseudo file system/);
  t.regex(r.stderr, /accepted: a folder on a writable disk with at least 256 MiB free/);
  t.notRegex(r.stdout, /boot|kernel /);
  t.is(r.report, undefined);
  t.true(r.ms < 15_000, `${r.ms} ms`);
});

test.serial('an artifacts folder on a full (1 MiB) disk exits 2 before any boot, at once', async (t) => {
  t.timeout(60_000);
  const dir = await mkdtemp(join(tmpdir(), 'cxl-harness-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
  t.teardown(async () => {
    execFileSync('umount', [dir]);
    await rm(dir, { recursive: true, force: true });
  });
  const run = await startRun([scenario('stock/kmem.yaml'), '--variant', 'offline'], { artifacts: dir });
  const r = await run.done;
  t.log(`exit ${r.exitCode} after ${r.ms} ms`);
  t.is(r.exitCode, 2, r.stdout + r.stderr);
  t.regex(r.stderr, new RegExp(`--artifacts ${dir}: only 1 MiB free on the disk holding ${dir}`));
  t.notRegex(r.stdout, /boot|kernel /);
  t.deepEqual(await readdir(dir), [], 'nothing written there');
  t.true(r.ms < 15_000, `${r.ms} ms`);
});

test.serial('two runs at once on one fresh cache: one waits for the other, both pass', async (t) => {
  t.timeout(600_000);
  const cache = await mkdtemp(join(tmpdir(), 'cxl-harness-cache-'));
  t.teardown(() => rm(cache, { recursive: true, force: true }));
  // Only the package lists may come from the user's cache (when there are some): the kernel, the guest's packages and
  // the image are fetched and built afresh, under the cache's locks.
  const home = process.env.CXL_HARNESS_CACHE ?? join(homedir(), '.cache', 'cxl-harness');
  for (const label of ['kernels', 'guest']) {
    const from = join(home, 'apt', label);
    if (!existsSync(join(from, 'lists', 'updated'))) continue;
    await mkdir(join(cache, 'apt', label), { recursive: true });
    await cp(join(from, 'lists'), join(cache, 'apt', label, 'lists'), { recursive: true, preserveTimestamps: true });
    await cp(join(from, 'sources.list'), join(cache, 'apt', label, 'sources.list'), { preserveTimestamps: true });
  }
  const env = { CXL_HARNESS_CACHE: cache };
  const args = [scenario('stock/kmem.yaml'), '--variant', 'offline', '--jobs', '1', '--timeout-scale', '2'];
  const a = await startRun(args, { env });
  const b = await startRun(args, { env });
  const [ra, rb] = await Promise.all([a.done, b.done]);
  t.log(`run A: exit ${ra.exitCode} in ${Math.round(ra.ms / 1000)} s; run B: exit ${rb.exitCode} in ${Math.round(rb.ms / 1000)} s`);
  t.is(ra.exitCode, 0, ra.stdout + ra.stderr);
  t.is(rb.exitCode, 0, rb.stdout + rb.stderr);
  for (const [name, r] of [['A', ra], ['B', rb]] as const) t.log(`run ${name}:\n${r.stdout.split('\n').filter((l) => /^(kernel |guest image|downloading|waiting for)/.test(l)).join('\n')}`);
  const waits = [ra, rb].map((r) => r.stdout.split('\n').filter((l) => /^waiting for .*\(held by another cxl-harness run, lock /.test(l)));
  t.log(waits.flat().join('\n'));
  // The runs take turns: one fetches the kernel while the other says it waits (and may fetch the guest's packages
  // while the first waits for those); each download happens once.
  t.true(waits.some((w) => w.length > 0), 'one run says it waits for the other');
  const downloads = [ra, rb].flatMap((r) => r.stdout.split('\n').filter((l) => /^downloading .* in [\d.]+ s$/.test(l)));
  t.is(downloads.filter((l) => l.startsWith('downloading 2 packages')).length, 1, 'the kernel and its modules are downloaded once');
  t.is(downloads.length, 2, 'the kernel and the guest packages, each once');
  t.true(waits.flat().every((l) => l.includes(cache)), 'the locks are in the fresh cache');
  t.true(existsSync(join(cache, 'kernels', 'debian')));
  t.true((await readdir(join(cache, 'images'))).length > 0);
  for (const w of [a, b]) await assertNoQemu(t, await w.runDir());
});
