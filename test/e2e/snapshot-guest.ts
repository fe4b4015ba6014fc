// Shared by the snapshot e2e tests: kernel, guest image, a throwaway snapshot cache, every QEMU pid started.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { buildGuestImage, type GuestImage } from '../../harness/image/build.ts';
import { obtainKernel } from '../../harness/kernel/fetch.ts';
import { parseKernelSpec } from '../../harness/kernel/spec.ts';
import type { KernelImage } from '../../harness/kernel/types.ts';
import type { Booted } from '../../harness/run/boot.ts';
import { HostRuntime } from '../../harness/runtime/host.ts';
import { SnapshotCache } from '../../harness/snapshot/cache.ts';
import { bootOrRestore, type StartedGuest } from '../../harness/snapshot/start.ts';
import type { Topology } from '../../harness/topology/types.ts';

export interface Bench {
  dir: string;
  kernel: KernelImage;
  image: GuestImage;
  runtime: HostRuntime;
  cache: SnapshotCache;
  log: string[];
  /** Every VM started, for the end-of-test check that none is left. */
  pids: number[];
  start(topology: Topology, cmdline: string[], name: string): Promise<StartedGuest>;
  /** Removes the folder (snapshots take about 170 MiB each); KEEP_SNAPSHOT_E2E=1 keeps it for a look. */
  cleanup(): Promise<void>;
}

export async function snapshotBench(): Promise<Bench> {
  const dir = await mkdtemp(join(tmpdir(), 'cxl-snapshot-e2e-'));
  const kernel = await obtainKernel(parseKernelSpec('debian:7.2'), { artifactsDir: dir, log: () => undefined });
  const image = await buildGuestImage(kernel);
  const runtime = new HostRuntime();
  const log: string[] = [];
  const cache = new SnapshotCache({ root: join(dir, 'snapshots'), log: (l) => log.push(l) });
  const pids: number[] = [];
  let n = 0;
  const start = async (topology: Topology, cmdline: string[], name: string) => {
    const g = await bootOrRestore({ runtime, kernel, image, topology, cmdline, dir: join(dir, `${++n}-${name}`), readyTimeoutMs: 120_000 }, { cache, log: (l) => log.push(l) });
    if (g.vm.pid) pids.push(g.vm.pid);
    return g;
  };
  const cleanup = async () => {
    if (process.env.KEEP_SNAPSHOT_E2E !== '1') await rm(dir, { recursive: true, force: true });
  };
  return { dir, kernel, image, runtime, cache, log, pids, start, cleanup };
}

/** A pid that no longer names a process (or names a zombie nobody waits for: execa reaps QEMU, so it must not). */
export function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Asserts that every QEMU the bench started has exited. */
export function assertAllGone(t: ExecutionContext, b: Bench): void {
  t.true(b.pids.length > 0);
  for (const pid of b.pids) t.true(gone(pid), `QEMU pid ${pid} is still running`);
}

export async function powerOff(...guests: (Booted | undefined)[]): Promise<void> {
  for (const g of guests) await g?.shutdown().catch(() => undefined);
}
