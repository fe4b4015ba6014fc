// Tools for the fault tests: a harness run watched while it runs, the run's own QEMU found by its hostfwd port and
// run folder (never another run's), and the checks every fault test makes once the run has ended.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { execa, type ResultPromise } from 'execa';
import type { RunReport, TestReport } from '../../harness/report/types.ts';
import { BIN } from './cli.ts';

export interface Finished {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** From start to exit. */
  ms: number;
  /** The --json report, when the run wrote one. */
  report?: RunReport;
}

export interface Watched {
  /** The test's temp folder; artifacts go to `artifacts` inside it unless given. */
  dir: string;
  artifacts: string;
  pid: number;
  /** Output so far (stdout and stderr interleaved as they arrived). */
  output(): string;
  /** Resolves when the output so far matches `re`; rejects when the run ends first or after `timeoutMs`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<void>;
  /** The run folder (<artifacts>/<time>), once the harness has made it. */
  runDir(): Promise<string>;
  kill(signal: NodeJS.Signals): void;
  done: Promise<Finished>;
}

/** Starts `cxl-harness run ARGS --json F --artifacts D` and watches it. */
export async function startRun(args: string[], o: { artifacts?: string; env?: Record<string, string> } = {}): Promise<Watched> {
  const dir = await mkdtemp(join(tmpdir(), 'cxl-harness-fault-'));
  const artifacts = o.artifacts ?? join(dir, 'artifacts');
  const json = join(dir, 'report.json');
  const t0 = Date.now();
  const child: ResultPromise = execa(BIN, ['run', ...args, '--json', json, '--artifacts', artifacts], { reject: false, all: true, ...(o.env ? { env: o.env } : {}) });
  let out = '';
  const waiters = new Set<() => void>();
  child.all!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of waiters) w();
  });
  const done = child.then(async (r): Promise<Finished> => {
    const report = await readFile(json, 'utf8').then((t) => JSON.parse(t) as RunReport, () => undefined);
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr), ms: Date.now() - t0, ...(report ? { report } : {}) };
  });
  let ended = false;
  void done.then(() => {
    ended = true;
    for (const w of waiters) w();
  });
  const waitFor = (re: RegExp, timeoutMs = 180_000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => finish(() => reject(new Error(`no output matching ${re} within ${timeoutMs} ms:\n${out}`))), timeoutMs);
      const finish = (fn: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        fn();
      };
      const check = () => {
        if (re.test(out)) finish(resolve);
        else if (ended) finish(() => reject(new Error(`the run ended without output matching ${re}:\n${out}`)));
      };
      waiters.add(check);
      check();
    });
  const runDir = async () => {
    for (;;) {
      const names = await readdir(artifacts).catch(() => [] as string[]);
      if (names.length) return join(artifacts, names.sort()[0]!);
      if (ended) throw new Error(`the run made no folder in ${artifacts}:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return { dir, artifacts, pid: child.pid!, output: () => out, waitFor, runDir, kill: (s) => void child.kill(s), done };
}

/** `ps` lines of this run's QEMU processes: the hostfwd port of a boot of the run and the run folder in the argv. */
export async function qemuOf(runDir: string): Promise<{ pid: number; boot: string; args: string }[]> {
  const boots = (await readdir(runDir).catch(() => [] as string[])).filter((n) => /^boot-\d+$/.test(n));
  const ports = new Map<string, string>();
  for (const b of boots) {
    const script = await readFile(join(runDir, b, 'qemu-command.sh'), 'utf8').catch(() => '');
    const port = /hostfwd=tcp:127\.0\.0\.1:(\d+)-/.exec(script)?.[1];
    if (port) ports.set(b, port);
  }
  const ps = (await execa('ps', ['-eo', 'pid=,args='])).stdout.split('\n');
  const found: { pid: number; boot: string; args: string }[] = [];
  for (const line of ps) {
    const m = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (!m || !/qemu-system/.test(m[2]!) || !m[2]!.includes(runDir)) continue;
    for (const [boot, port] of ports) if (m[2]!.includes(`hostfwd=tcp:127.0.0.1:${port}-`)) found.push({ pid: Number(m[1]), boot, args: m[2]! });
  }
  return found;
}

/** The pid of the run's QEMU for boot `boot` (boot-1 by default), waiting until it runs. */
export async function qemuPid(runDir: string, boot = 'boot-1', timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const q = (await qemuOf(runDir)).find((x) => x.boot === boot);
    if (q) return q.pid;
    if (Date.now() > deadline) throw new Error(`no QEMU of ${runDir}/${boot} running`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** No QEMU of the run is left: checked at once, and again for up to `graceMs` (a killed process takes a moment to go). */
export async function assertNoQemu(t: ExecutionContext, runDir: string, graceMs = 0): Promise<void> {
  const deadline = Date.now() + graceMs;
  let left = await qemuOf(runDir);
  while (left.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    left = await qemuOf(runDir);
  }
  t.deepEqual(left.map((q) => `${q.pid} ${q.boot}`), [], `QEMU of ${runDir} still running`);
}

/** report.json in the run folder, and per test steps.json; per boot console.log. Returns the run folder's report. */
export async function assertArtifacts(t: ExecutionContext, runDir: string): Promise<RunReport> {
  t.true(existsSync(join(runDir, 'report.json')), `${runDir}/report.json`);
  const report = JSON.parse(await readFile(join(runDir, 'report.json'), 'utf8')) as RunReport;
  for (const test of report.tests) t.true(existsSync(join(test.artifacts, 'steps.json')), `${test.artifacts}/steps.json`);
  for (const b of (await readdir(runDir)).filter((n) => /^boot-\d+$/.test(n))) t.true(existsSync(join(runDir, b, 'console.log')), `${runDir}/${b}/console.log`);
  return report;
}

/** The test's steps.json, as the run left it. */
export async function stepsOf(test: TestReport): Promise<TestReport> {
  return JSON.parse(await readFile(join(test.artifacts, 'steps.json'), 'utf8')) as TestReport;
}
