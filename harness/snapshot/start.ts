// The boot step with snapshots: restore the post-boot state saved under the boot's key, or boot and offer to save it.
import { HarnessError } from '../common/errors.ts';
import { bootGuest, kernelCmdline, type BootOptions, type Booted } from '../run/boot.ts';
import { placedDevices } from '../topology/place.ts';
import type { Topology } from '../topology/types.ts';
import type { SnapshotCache } from './cache.ts';
import { qemuIdentity, snapshotKey } from './key.ts';
import type { SnapshotMeta } from './meta.ts';
import { discardQmpSocket, qmpSocketPath } from './qmp-socket.ts';
import { prepareRestore, UnfaithfulRestore, type PreparedRestore, type Restored } from './restore.ts';
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
export const oneDevice = (t: Topology): boolean => placedDevices(t).length <= 1;

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

/** A restore of `key` being prepared ahead into `dir`, a boot folder the caller set aside for the next guest. */
export interface NextRestore {
  key: Promise<string>;
  dir: string;
  ready: Promise<PreparedRestore | undefined>;
}

/** The snapshot key of a boot with these options (snapshotKey). */
export async function bootKey(o: BootOptions): Promise<string> {
  const cmdline = kernelCmdline(o.cmdline, '').cmdline;
  return snapshotKey({ kernel: o.kernel, image: o.image, topology: o.topology, cmdline, qemu: await qemuIdentity(o.runtime) });
}

/**
 * Starts preparing a restore of `key` (prepareRestore: QEMU started, state loaded, VM paused) into `o.dir`, for a later
 * bootOrRestore(o, s, next) with the same inputs: that one then only resumes it. Never rejects: a preparation that
 * fails is logged, and that boot restores or boots as usual. Whoever holds it and does not pass it on discards it.
 */
export function prepareNext(o: BootOptions, s: SnapshotOptions, key: string | Promise<string>): NextRestore {
  const known = Promise.resolve(key);
  const ready = known.then(async (k) =>
    s.cache
      .withEntry(k, async () => {
        const hit = await s.cache.lookup(k);
        return hit ? prepareRestore(restoreInputs(o, hit)) : undefined;
      }, o.signal)
      .catch(async (err: unknown) => {
        if (!o.signal?.aborted) await restoreFailed(s, k, err, 'preparing the next restore failed');
        return undefined;
      }),
  ).catch(() => undefined);
  return { key: known, dir: o.dir, ready };
}

const restoreInputs = (o: BootOptions, hit: { dir: string; meta: SnapshotMeta }) => ({ runtime: o.runtime, snapshotDir: hit.dir, meta: hit.meta, topology: o.topology, kernel: o.kernel, image: o.image, dir: o.dir, timeoutMs: o.readyTimeoutMs, ...(o.signal ? { signal: o.signal } : {}) });

/** Logs a failed restore; a snapshot found unfaithful is marked so, and never tried again. */
async function restoreFailed(s: SnapshotOptions, key: string, err: unknown, what: string): Promise<void> {
  const e = err instanceof HarnessError ? err : new HarnessError('restore failed', { stage: 'boot', cause: err });
  s.log?.(`snapshot ${key}: ${what}: ${e.message}`);
  if (err instanceof UnfaithfulRestore) await s.cache.markUnusable(key, [e.message, ...e.details]);
}

/**
 * In place of bootGuest(o): the same Booted, from the snapshot cache when it has a faithful one; from `next` when it
 * was prepared for this key and folder (else `next` is discarded).
 */
export async function bootOrRestore(o: BootOptions, s: SnapshotOptions, next?: NextRestore): Promise<StartedGuest> {
  const since = Date.now();
  const log = s.log ?? (() => {});
  let prepared = await next?.ready;
  let key: string;
  try {
    if (!oneDevice(o.topology)) {
      await prepared?.discard();
      prepared = undefined;
      return Object.assign(await bootGuest(o), { start: 'boot' as const, snapshotKey: '', saveSnapshot: async () => undefined });
    }
    key = await bootKey(o);
  } catch (err) {
    await prepared?.discard();
    throw err;
  }
  if (prepared && ((await next?.key.catch(() => undefined)) !== key || prepared.dir !== o.dir)) {
    await prepared.discard();
    prepared = undefined;
  }
  const resume = { since, timeoutMs: o.readyTimeoutMs, ...(o.signal ? { signal: o.signal } : {}) };
  const restored = await (prepared
    ? prepared.resume({ ...resume, ahead: true })
    : s.cache.withEntry(key, async () => {
        const hit = await s.cache.lookup(key);
        return hit ? (await prepareRestore(restoreInputs(o, hit))).resume({ ...resume, ahead: false }) : undefined;
      }, o.signal)
  ).catch(async (err: unknown) => {
    if (o.signal?.aborted) throw err;
    await restoreFailed(s, key, err, 'restore failed, booting instead');
    return undefined;
  });
  if (restored) {
    const t = restored.restore.timings;
    log(`snapshot ${key}: restored in ${t.totalMs} ms${t.ahead ? ` (QEMU started and loaded ahead, in ${t.copyMs + t.loadMs} ms)` : ''}`);
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
