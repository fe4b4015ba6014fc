// `npm run bench` snapshot figures: boot to a ready guest against restore to a ready guest, on the default topology.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGuestImage } from '../image/build.ts';
import { obtainKernel } from '../kernel/fetch.ts';
import { parseKernelSpec } from '../kernel/spec.ts';
import { startState } from '../run/enumerate.ts';
import type { BootOptions } from '../run/boot.ts';
import { HostRuntime } from '../runtime/host.ts';
import { SnapshotCache } from '../snapshot/cache.ts';
import { diskUse } from '../snapshot/sparse.ts';
import { bootOrRestore, prepareNext } from '../snapshot/start.ts';
import { loadTopologies } from '../topology/load.ts';
import type { StageSample } from './stats.ts';

export interface SnapshotBench {
  boot: StageSample[];
  save: StageSample[];
  /** Restores done when the guest is needed: copy, QEMU start and load, then resume. */
  restore: StageSample[];
  /** Restores prepared ahead, as a group does while a scenario runs, then resumed when the guest is needed. */
  prepared: StageSample[];
}

/** `rounds` times: a fresh cache, a boot and its boot step, a save, then `restores` restores of each kind. */
export async function snapshotBench(kernelSpec: string, rounds: number, restores: number): Promise<SnapshotBench> {
  const kernel = await obtainKernel(parseKernelSpec(kernelSpec), { artifactsDir: tmpdir(), log: () => undefined });
  const image = await buildGuestImage(kernel);
  const [def] = await loadTopologies('default');
  const topology = def!.topology;
  const runtime = new HostRuntime();
  const out: SnapshotBench = { boot: [], save: [], restore: [], prepared: [] };
  for (let i = 0; i < rounds; i++) {
    const dir = await mkdtemp(join(tmpdir(), 'cxl-bench-snapshot-'));
    const cache = new SnapshotCache({ root: join(dir, 'snapshots') });
    const options = (name: string): BootOptions => ({ runtime, kernel, image, topology, cmdline: [], dir: join(dir, name), readyTimeoutMs: 120_000 });
    try {
      const t0 = Date.now();
      const booted = await bootOrRestore(options('boot'), { cache });
      const key = booted.snapshotKey;
      try {
        const ssh = Date.now() - t0;
        const step = await startState(booted, topology, [], 1);
        out.boot.push({ 'QEMU start to SSH': ssh, 'boot step': step.record.ms, 'to first scenario': Date.now() - t0 });
        const meta = await booted.saveSnapshot();
        if (!meta) throw new Error('the bench boot saved no snapshot');
        const size = await diskUse(cache.dir(key));
        out.save.push({ 'VM paused': meta.saveMs, migration: meta.migrateMs, 'MiB on disk': Math.round(size.allocated / 2 ** 20), 'MiB apparent': Math.round(size.apparent / 2 ** 20) });
      } finally {
        await booted.shutdown();
      }
      // Alternated, so that both kinds see the same machine.
      for (let k = 0; k < restores; k++) {
        const r = await bootOrRestore(options(`restore-${k}`), { cache });
        await r.shutdown();
        if (!r.restore) throw new Error(`restore ${k} booted instead`);
        const t = r.restore.timings;
        out.restore.push({ 'copy backing': t.copyMs, 'QEMU start to loaded': t.loadMs, 'cont to SSH': t.sshMs, 'attach + check': t.checkMs, 'cont to ready': t.sshMs + t.checkMs, 'needed to ready': t.totalMs });
        const next = prepareNext(options(`prepared-${k}`), { cache }, key);
        await next.ready;
        const p = await bootOrRestore(options(`prepared-${k}`), { cache }, next);
        await p.shutdown();
        if (!p.restore?.timings.ahead) throw new Error(`prepared restore ${k} was not resumed`);
        const q = p.restore.timings;
        out.prepared.push({ 'ahead: copy + load': q.copyMs + q.loadMs, 'cont to SSH': q.sshMs, 'attach + check': q.checkMs, 'cont to ready': q.sshMs + q.checkMs, 'needed to ready': q.totalMs });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return out;
}
