// The boot step with snapshots: restore the post-boot state saved under the boot's key, or boot and offer to save it.
import { HarnessError } from '../common/errors.ts';
import { bootGuest, kernelCmdline, type BootOptions, type Booted } from '../run/boot.ts';
import { placedDevices } from '../topology/place.ts';
import type { Topology } from '../topology/types.ts';
import type { SnapshotCache } from './cache.ts';
import { qemuIdentity, snapshotKey } from './key.ts';
import type { SnapshotMeta } from './meta.ts';
import { discardQmpSocket, qmpSocketPath } from './qmp-socket.ts';
import { restoreGuest, UnfaithfulRestore, type Restored } from './restore.ts';
import { appendOf, SavedVmChanged, saveSnapshot } from './save.ts';

export interface SnapshotOptions {
  cache: SnapshotCache;
  log?: (line: string) => void;
}

/**
 * Topologies worth a snapshot: one Type-3 device. With two or more, attaching the hierarchy after a restore renames
 * endpoints and memdevs and moves bridge windows (probe order and the kernel's own resource assignment differ from
 * boot), so the restore check refuses them: saving would only cost.
 */
const oneDevice = (t: Topology): boolean => placedDevices(t).length <= 1;

export interface StartedGuest extends Booted {
  start: 'boot' | 'snapshot';
  snapshotKey: string;
  /** Restore details when start is 'snapshot'. */
  restore?: Restored['restore'];
  /** What saveSnapshot(extra) stored, when start is 'snapshot'. */
  extra?: unknown;
  /**
   * Saves this boot's state under its key, unless the key has an entry already (or start is 'snapshot'). Call it once
   * the boot step passed and before the first scenario changes anything. A failed save is logged and the VM goes on
   * running; it throws only SavedVmChanged, when the VM did not come back as it was (do not use it then). Returns the
   * meta when it saved.
   */
  saveSnapshot(extra?: unknown): Promise<SnapshotMeta | undefined>;
}

/** In place of bootGuest(o): the same Booted, from the snapshot cache when it has a faithful one. */
export async function bootOrRestore(o: BootOptions, s: SnapshotOptions): Promise<StartedGuest> {
  const log = s.log ?? (() => {});
  if (!oneDevice(o.topology)) {
    return Object.assign(await bootGuest(o), { start: 'boot' as const, snapshotKey: '', saveSnapshot: async () => undefined });
  }
  const cmdline = kernelCmdline(o.cmdline, '').cmdline;
  const key = await snapshotKey({ kernel: o.kernel, image: o.image, topology: o.topology, cmdline, qemu: await qemuIdentity(o.runtime) });
  const restored = await s.cache
    .withEntry(key, async () => {
      const hit = await s.cache.lookup(key);
      if (!hit) return undefined;
      return restoreGuest({ runtime: o.runtime, snapshotDir: hit.dir, meta: hit.meta, topology: o.topology, kernel: o.kernel, image: o.image, dir: o.dir, timeoutMs: o.readyTimeoutMs, ...(o.signal ? { signal: o.signal } : {}) });
    }, o.signal)
    .catch(async (err: unknown) => {
      if (o.signal?.aborted) throw err;
      const e = err instanceof HarnessError ? err : new HarnessError('restore failed', { stage: 'boot', cause: err });
      log(`snapshot ${key}: restore failed, booting instead: ${e.message}`);
      if (err instanceof UnfaithfulRestore) await s.cache.markUnusable(key, [e.message, ...e.details]);
      return undefined;
    });
  if (restored) {
    log(`snapshot ${key}: restored in ${restored.restore.timings.totalMs} ms`);
    restored.guest.timeoutScale = o.timeoutScale ?? 1;
    // One object, changed in place: kexec replaces its guest session, and shutdown must see the current one.
    return Object.assign(restored, { start: 'snapshot' as const, snapshotKey: key, saveSnapshot: async () => undefined });
  }
  const qmpSocket = qmpSocketPath(o.dir, o.runtime);
  if (!qmpSocket) {
    log(`snapshot ${key}: ${o.dir} is too deep for a QMP socket path in a container; booting without snapshots`);
    return Object.assign(await bootGuest(o), { start: 'boot' as const, snapshotKey: key, saveSnapshot: async () => undefined });
  }
  const booted = await bootGuest({ ...o, qmpSocket }).catch((err: unknown) => {
    discardQmpSocket(qmpSocket, o.dir);
    throw err;
  });
  const inner = booted.shutdown;
  const shutdown = async (keepFiles?: boolean) => {
    const ms = await inner(keepFiles);
    discardQmpSocket(qmpSocket, o.dir);
    return ms;
  };
  let offered = false;
  const save = async (extra?: unknown): Promise<SnapshotMeta | undefined> => {
    if (offered || !booted.vm.running) return undefined;
    offered = true;
    try {
      if (await s.cache.has(key)) return undefined;
      return await s.cache.store(key, (tmp) => saveSnapshot({ qmpSocket, guest: booted.guest, backingDir: booted.backingDir, key: booted.key, hostKey: booted.hostKey, append: appendOf(booted.argv), cmdline: booted.cmdline, consoleLines: booted.vm.lines, extra, cxlBuses: o.topology.hostBridges.map((hb) => hb.busNr), ...(o.signal ? { signal: o.signal } : {}) }, tmp), o.signal);
    } catch (err) {
      if (err instanceof SavedVmChanged) throw err;
      log(`snapshot ${key}: not saved: ${err instanceof HarnessError ? err.format() : String(err)}`);
      return undefined;
    }
  };
  return Object.assign(booted, { shutdown, [Symbol.asyncDispose]: async () => void (await shutdown()), start: 'boot' as const, snapshotKey: key, saveSnapshot: save });
}
