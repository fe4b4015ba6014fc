// --runtime docker end to end through a real engine: base, image, QEMU and make in containers, cleanup on every path, compose.
//
// docker.io comes from Debian and dockerd (--iptables=false) is started here when none answers; the base is made by
// debootstrap + import, the image built from images/docker; containers must be gone after a normal end, Ctrl-C,
// process.exit, and SIGKILL followed by the next start-up's sweep. Figures (base, build, overhead) go to the test log.
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import test from 'ava';
import Docker from 'dockerode';
import { execa } from 'execa';
import { cachePath } from '../../harness/common/paths.ts';
import { fetchDebianKernel } from '../../harness/kernel/debian-kernel.ts';
import { HarnessError } from '../../harness/common/errors.ts';
import { applySeries, PRISTINE } from '../../harness/kernel/source/apply.ts';
import { git, gitTry } from '../../harness/kernel/source/git.ts';
import { readSeries } from '../../harness/kernel/source/series.ts';
import { QEMU } from '../../harness/qemu/binary.ts';
import { Vm } from '../../harness/qemu/vm.ts';
import { RECIPE_LABEL } from '../../harness/runtime/docker-image.ts';
import { DockerRuntime, newRunId } from '../../harness/runtime/docker.ts';
import { HostRuntime } from '../../harness/runtime/host.ts';
import type { Runtime } from '../../harness/runtime/types.ts';
import { dockerUnavailable, setUpDocker, type DockerSetup } from './docker-engine.ts';
import { cxlMachineArgv, freeLoopbackPort } from './docker-qemu.ts';
import { containersOfRun, harnessContainers } from './docker-containers.ts';
import { harness, scenario } from './cli.ts';
import { validateReport } from '../../harness/report/validate.ts';

const skip = await dockerUnavailable();
const serial = skip ? test.serial.skip : test.serial;
if (skip) {
  test('docker end-to-end tests skipped', (t) => {
    t.log(`skipped: ${skip}`);
    t.pass();
  });
}

let setup: DockerSetup | undefined;
const CHILD = new URL('./docker-child.ts', import.meta.url).pathname;
const PROJECT = new URL('../../', import.meta.url).pathname;

test.before(async (t) => {
  if (skip) return;
  setup = await setUpDocker((l) => t.log(l));
});

/** Folders the tests made in the cache (container-written files must be on a mounted path), removed at the end. */
const scratch: string[] = [];
const scratchDir = async (prefix: string) => {
  const dir = await mkdtemp(join(cachePath(), prefix));
  scratch.push(dir);
  return dir;
};

test.after.always(async () => {
  await Promise.all(scratch.map((d) => rm(d, { recursive: true, force: true })));
  await setup?.stop();
});

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

serial('opening the runtime makes the base and the image once; the next open finds both', async (t) => {
  const first = await DockerRuntime.open((l) => t.log(l));
  await first.close();
  t.regex(first.info.image, /^cxl-harness:[0-9a-f]{12}$/);
  const image = await new Docker().getImage(first.info.image).inspect();
  t.truthy(image.Config.Labels?.[RECIPE_LABEL]);
  t.log(`figures: ${JSON.stringify(first.info.timings)} (debootstrap/import only when the base was missing, build only when the image was)`);
  const again = await DockerRuntime.open(() => {});
  await again.close();
  t.is(again.info.image, first.info.image);
  t.is(again.info.timings.buildS, undefined);
  t.is(again.info.timings.debootstrapS, undefined);
});

serial('cxl-harness run --runtime docker: QEMU (≥ 8, CXL) in a container boots Debian 7.2 and stock kmem passes; no container is left', async (t) => {
  const before = new Set(await harnessContainers());
  const r = await harness([scenario('stock/kmem.yaml'), '--variant', 'offline', '--runtime', 'docker']);
  t.is(r.exitCode, 0, r.stdout + r.stderr);
  const report = validateReport(r.report);
  t.true(Number(report.qemu!.split('.')[0]) >= 8, report.qemu);
  t.is(report.tests[0]!.verdict, 'pass');
  t.true(report.boots[0]!.graph!.pass);
  t.deepEqual((await harnessContainers()).filter((c) => !before.has(c)), []);
  t.log(`boot ${report.boots[0]!.bootMs} ms + ssh ${report.boots[0]!.sshMs} ms in a container; whole run ${report.timings.totalMs} ms`);
});

serial('git through the runtime works on a host folder at the same path, and leaves files owned by the caller', async (t) => {
  const runtime = await DockerRuntime.open(() => {});
  try {
    const dir = await scratchDir('docker-git-');
    await git(dir, ['init', '-q'], runtime);
    await writeFile(join(dir, 'a.txt'), 'a\n');
    await git(dir, ['add', 'a.txt'], runtime);
    await git(dir, ['commit', '-q', '-m', 'one'], runtime);
    const head = await gitTry(dir, ['rev-parse', 'HEAD'], {}, runtime);
    t.is(head.exitCode, 0);
    t.regex(head.stdout, /^[0-9a-f]{40}$/);
    t.is((await stat(join(dir, '.git', 'HEAD'))).uid, process.getuid!());
    const bad = await gitTry(dir, ['rev-parse', 'no-such-ref'], {}, runtime);
    t.not(bad.exitCode, 0);
    t.regex(bad.all, /no-such-ref/);
  } finally {
    await runtime.close();
  }
});

/** A one-file tree tagged as the pristine base, as the build's base trees are. */
async function pristineTree(runtime: Runtime): Promise<string> {
  const dir = await scratchDir('docker-apply-');
  await git(dir, ['init', '-q'], runtime);
  await writeFile(join(dir, 'a.c'), 'one\ntwo\nthree\n');
  await git(dir, ['add', '-A'], runtime);
  await git(dir, ['commit', '-q', '-m', 'base'], runtime);
  await git(dir, ['tag', PRISTINE], runtime);
  return dir;
}

const mail = (subject: string, diff: string) =>
  `From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\nFrom: T <t@cxl-harness.invalid>\nSubject: [PATCH] ${subject}\n\n---\n${diff}`;
const GOOD = mail('a: two becomes 2', 'diff --git a/a.c b/a.c\n--- a/a.c\n+++ b/a.c\n@@ -1,3 +1,3 @@\n one\n-two\n+2\n three\n');
const BAD = mail('a: context that is not there', 'diff --git a/a.c b/a.c\n--- a/a.c\n+++ b/a.c\n@@ -1,3 +1,3 @@\n uno\n-dos\n+2\n tres\n');

serial('a series applies, and one that does not is refused naming patch and file, alike on the host and in a container', async (t) => {
  const patches = await mkdtemp(join(tmpdir(), 'cxl-series-'));
  await writeFile(join(patches, 'good.patch'), GOOD);
  await writeFile(join(patches, 'bad.patch'), BAD);
  const docker = await DockerRuntime.open(() => {});
  try {
    const outcomes: Record<string, unknown> = {};
    for (const [where, runtime] of [['host', new HostRuntime()], ['container', docker]] as const) {
      const tree = await pristineTree(runtime);
      await applySeries(tree, await readSeries([join(patches, 'good.patch')]), () => {}, runtime);
      t.is(await readFile(join(tree, 'a.c'), 'utf8'), 'one\n2\nthree\n', where);
      const err = await t.throwsAsync(applySeries(tree, await readSeries([join(patches, 'bad.patch')]), () => {}, runtime), { instanceOf: HarnessError }, where);
      t.is(err?.exitCode, 3, where);
      t.is(await readFile(join(tree, 'a.c'), 'utf8'), 'one\ntwo\nthree\n', `${where}: reset to the base after the failure`);
      outcomes[where] = { message: err?.message, file: err?.details.find((d) => d.startsWith('file:')) };
    }
    t.regex(String((outcomes.host as { message: string }).message), /patch 1 "a: context that is not there" fails in a\.c/);
    t.deepEqual(outcomes.container, outcomes.host);
  } finally {
    await docker.close();
  }
});

serial('container start overhead: qemu --version and make --version, host against container', async (t) => {
  const host = new HostRuntime();
  const runtime = await DockerRuntime.open(() => {});
  try {
    const time = async (fn: () => Promise<unknown>) => {
      const t0 = performance.now();
      await fn();
      return performance.now() - t0;
    };
    const figures: Record<string, number> = {};
    for (const [what, file] of [['qemu', 'qemu-system-x86_64'], ['make', 'make']] as const) {
      const h: number[] = [];
      const c: number[] = [];
      for (let i = 0; i < 5; i++) {
        h.push(await time(() => host.run(file, ['--version'])));
        c.push(await time(() => runtime.run(file, ['--version'])));
      }
      figures[`${what} host ms`] = Math.round(median(h));
      figures[`${what} container ms`] = Math.round(median(c));
    }
    // QEMU as a run starts it: spawn to the kernel's first console line, which QEMU prints within a second of starting.
    const kernel = await fetchDebianKernel('7.2', 'debian:7.2');
    const dir = await mkdtemp(join(tmpdir(), 'cxl-overhead-'));
    for (const [where, rt] of [['host', host], ['container', runtime]] as const) {
      const ms: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        const vm = new Vm(rt, QEMU, cxlMachineArgv({ port: await freeLoopbackPort(), kernel: kernel.vmlinuz }), join(dir, `${where}-${i}.log`));
        await vm.waitFor(/Linux version/, 60_000);
        ms.push(performance.now() - t0);
        await vm.stop(0);
      }
      figures[`qemu boot to kernel banner, ${where} ms`] = Math.round(median(ms));
    }
    t.log(`figures (median of 5 commands, 3 boots): ${JSON.stringify(figures)}`);
    t.pass();
  } finally {
    await runtime.close();
  }
});

serial('an aborted run() stops its container at once and removes it', async (t) => {
  const runtime = await DockerRuntime.open(() => {});
  try {
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 1000);
    const t0 = Date.now();
    const r = await runtime.run('sleep', ['60'], { signal: abort.signal });
    t.true(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);
    t.not(r.exitCode, 0);
    t.deepEqual(await containersOfRun(runtime.runId), []);
  } finally {
    await runtime.close();
  }
});

/** Runs docker-child.ts in `mode`; resolves once it printed "ready" (its QEMU container is running). */
async function child(mode: 'sigint' | 'exit' | 'hang', runId: string): Promise<{ proc: ReturnType<typeof execa> }> {
  const proc = execa(process.execPath, ['--import', 'tsx', CHILD, mode, runId], { cwd: PROJECT, reject: false, buffer: false, stdout: 'pipe', stderr: 'inherit' });
  const rl = createInterface({ input: proc.stdout! });
  await Promise.race([once(rl, 'line'), proc.then((r) => Promise.reject(new Error(`child left before ready: ${r.exitCode}`)))]);
  // Wrapped: an async function returning the subprocess itself would wait for it to end.
  return { proc };
}

async function until(cond: () => Promise<boolean>, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 250))) if (await cond()) return true;
  return cond();
}

serial('Ctrl-C: the process closes the runtime and its QEMU container is gone', async (t) => {
  const runId = newRunId();
  const { proc } = await child('sigint', runId);
  t.is((await containersOfRun(runId)).length, 1);
  proc.kill('SIGINT');
  t.is((await proc).exitCode, 130);
  t.deepEqual(await containersOfRun(runId), []);
});

serial('process.exit with a container running: the detached reaper removes it', async (t) => {
  const runId = newRunId();
  const { proc } = await child('exit', runId);
  t.is((await proc).exitCode, 3);
  t.true(await until(async () => (await containersOfRun(runId)).length === 0, 20_000), `left: ${await containersOfRun(runId)}`);
});

serial("SIGKILL: the container outlives the process, and the next runtime's start-up sweeps it", async (t) => {
  const runId = newRunId();
  const { proc } = await child('hang', runId);
  proc.kill('SIGKILL');
  await proc;
  const left = await containersOfRun(runId);
  t.is(left.length, 1);
  const next = await DockerRuntime.open(() => {});
  await next.close();
  t.deepEqual(next.info.swept.filter((n) => left.includes(n)), left);
  t.deepEqual(await containersOfRun(runId), []);
});

serial('docker-compose (Debian 12: 1.29) accepts docker-compose.yml', async (t) => {
  const r = await execa('docker-compose', ['-f', join(PROJECT, 'docker-compose.yml'), 'config', '-q'], { reject: false, all: true });
  t.is(r.exitCode, 0, r.all);
});

serial('docker-compose run --rm harness run …: a scenario runs in the compose container, the cache shared with the host', async (t) => {
  const runtime = await DockerRuntime.open(() => {});
  await runtime.close();
  const docker = new Docker();
  // The compose file's image, as the runtime built it here (no registry: `docker-compose build` would need a base first).
  await docker.getImage(runtime.info.image).tag({ repo: 'cxl-harness', tag: 'compose' });
  const compose = ['-f', join(PROJECT, 'docker-compose.yml'), '-p', `cxl-harness-e2e-${process.pid}`];
  try {
    const r = await execa('docker-compose', [...compose, 'run', '--rm', '-T', 'harness', 'run', 'scenarios/stock/kmem.yaml', '--variant', 'offline', '--artifacts', '/tmp/compose-artifacts'], {
      reject: false,
      all: true,
      timeout: 900_000,
      env: { CXL_HARNESS_CACHE_DIR: cachePath() },
    });
    t.is(r.exitCode, 0, r.all);
    t.regex(r.stdout, /PASS debian:7\.2\/default\/stock-kmem\[offline\]/);
  } finally {
    await execa('docker-compose', [...compose, 'down', '-v', '--remove-orphans'], { reject: false });
  }
});
