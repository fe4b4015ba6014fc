// `npm run bench` snapshot figures: boot to a ready guest against restore to a ready guest, on the default topology.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGuestImage } from '../image/build.ts';
import { obtainKernel } from '../kernel/fetch.ts';
import { parseKernelSpec } from '../kernel/spec.ts';
import { startState } from '../run/enumerate.ts';
import { HostRuntime } from '../runtime/host.ts';
import { SnapshotCache } from '../snapshot/cache.ts';
import { diskUse } from '../snapshot/sparse.ts';
import { bootOrRestore } from '../snapshot/start.ts';
import { loadTopologies } from '../topology/load.ts';
import type { StageSample } from './stats.ts';

export interface SnapshotBench {
  boot: StageSample[];
  save: StageSample[];
  /** The first restore of a snapshot (looks, then re-probes), and later ones (re-probe at once). */
  firstRestore: StageSample[];
  restore: StageSample[];
}

/** `rounds` times: a fresh cache, a boot and its boot step, a save, then `restores` restores (each with the boot step again). */
export async function snapshotBench(kernelSpec: string, rounds: number, restores: number): Promise<SnapshotBench> {
  const kernel = await obtainKernel(parseKernelSpec(kernelSpec), { artifactsDir: tmpdir(), log: () => undefined });
  const image = await buildGuestImage(kernel);
  const [def] = await loadTopologies('default');
  const topology = def!.topology;
  const runtime = new HostRuntime();
  const out: SnapshotBench = { boot: [], save: [], firstRestore: [], restore: [] };
  for (let i = 0; i < rounds; i++) {
    const dir = await mkdtemp(join(tmpdir(), 'cxl-bench-snapshot-'));
    const cache = new SnapshotCache({ root: join(dir, 'snapshots') });
    try {
      const t0 = Date.now();
      const booted = await bootOrRestore({ runtime, kernel, image, topology, cmdline: [], dir: join(dir, 'boot'), readyTimeoutMs: 120_000 }, { cache });
      try {
        const ssh = Date.now() - t0;
        const step = await startState(booted, topology, [], 1);
        out.boot.push({ 'QEMU start to SSH': ssh, 'boot step': step.record.ms, 'to first scenario': Date.now() - t0 });
        const meta = await booted.saveSnapshot();
        if (!meta) throw new Error('the bench boot saved no snapshot');
        const size = await diskUse(cache.dir(booted.snapshotKey));
        out.save.push({ 'VM paused': meta.saveMs, migration: meta.migrateMs, 'MiB on disk': Math.round(size.allocated / 2 ** 20), 'MiB apparent': Math.round(size.apparent / 2 ** 20) });
      } finally {
        await booted.shutdown();
      }
      for (let k = 0; k < restores; k++) {
        const t1 = Date.now();
        const r = await bootOrRestore({ runtime, kernel, image, topology, cmdline: [], dir: join(dir, `restore-${k}`), readyTimeoutMs: 120_000 }, { cache });
        try {
          if (!r.restore) throw new Error(`restore ${k} booted instead`);
          const ready = Date.now() - t1;
          const step = await startState(r, topology, [], 1);
          const t = r.restore.timings;
          (k === 0 ? out.firstRestore : out.restore).push({ 'copy backing': t.copyMs, 'QEMU start to running': t.loadMs, 'running to SSH': t.sshMs, 'check + re-probe': t.checkMs, 'restore to ready': ready, 'boot step again': step.record.ms });
        } finally {
          await r.shutdown();
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return out;
}
