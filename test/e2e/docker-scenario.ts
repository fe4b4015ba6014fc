// The scenario the Docker end-to-end test runs through the container runtime (a stand-in until `run --runtime docker`).
import { connect } from 'node:net';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { fetchDebianKernel } from '../../harness/kernel/debian-kernel.ts';
import { probeQemu, QEMU, type QemuProbe } from '../../harness/qemu/binary.ts';
import { Vm } from '../../harness/qemu/vm.ts';
import { LABEL } from '../../harness/runtime/docker-owner.ts';
import { DockerRuntime } from '../../harness/runtime/docker.ts';
import type { CommandResult } from '../../harness/runtime/types.ts';
import { cxlMachineArgv, freeLoopbackPort } from './docker-qemu.ts';

export interface DockerScenarioResult {
  runId: string;
  image: string;
  /** The image's QEMU, probed through the runtime (version, cxl-type3 volatile-memdev). */
  qemu: QemuProbe;
  make: CommandResult;
  /** Debian's kernel on the CXL machine in a container: its console, and how QEMU ended (the kernel panics with no root). */
  boot: { console: string[]; exit: { code?: number; signal?: string; stderr: string }; msToBanner: number };
  /** Whether 127.0.0.1:port on the host reached QEMU's hostfwd while it ran in its container. */
  hostfwd: boolean;
  /** Containers labelled with this run that are still there once the runtime is closed (none expected). */
  left: string[];
}

export async function containersOfRun(runId: string): Promise<string[]> {
  const list = await new Docker().listContainers({ all: true, filters: { label: [`${LABEL.run}=${runId}`] } });
  return list.map((c) => (c.Names[0] ?? c.Id).replace(/^\//, ''));
}

async function reachable(port: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/**
 * Stands in for `cxl-harness run --runtime docker scenarios/stock/kmem.yaml` until the run command has the flag; the
 * test then calls that instead (test/e2e/cli.ts's harness()) and checks its exit code and report.
 */
export async function runScenarioThroughDocker(log: (line: string) => void): Promise<DockerScenarioResult> {
  const kernel = await fetchDebianKernel('7.2', 'debian:7.2');
  const runtime = await DockerRuntime.open(log);
  const dir = await mkdtemp(join(tmpdir(), 'cxl-docker-e2e-'));
  try {
    const qemu = await probeQemu(QEMU, runtime);
    const make = await runtime.run('make', ['--version']);

    // Firmware only: nothing to boot, QEMU stays up; its hostfwd must listen on the host's loopback.
    const idlePort = await freeLoopbackPort();
    const idle = new Vm(runtime, QEMU, cxlMachineArgv({ port: idlePort }), join(dir, 'idle-console.log'));
    const hostfwd = await reachable(idlePort, 20_000);
    await idle.stop(0);

    const t0 = Date.now();
    const vm = new Vm(runtime, QEMU, cxlMachineArgv({ port: await freeLoopbackPort(), kernel: kernel.vmlinuz }), join(dir, 'console.log'));
    await vm.waitFor(/Linux version/, 60_000);
    const msToBanner = Date.now() - t0;
    const exit = await Promise.race([vm.exit, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the kernel did not end within 120 s')), 120_000).unref())]);
    await vm.stop(0);
    const console = (await readFile(join(dir, 'console.log'), 'utf8')).split('\n');
    await runtime.close();
    return { runId: runtime.runId, image: runtime.info.image, qemu, make, boot: { console, exit, msToBanner }, hostfwd, left: await containersOfRun(runtime.runId) };
  } finally {
    await runtime.close();
  }
}
