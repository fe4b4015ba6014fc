// Saves a running guest into a snapshot folder: fingerprint, detach the CXL hierarchy, stop, migrate to a file, copy
// the backing files, resume, attach again.
import { chmod, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HarnessError } from '../common/errors.ts';
import type { GuestSession } from '../guest/session.ts';
import type { RunKey } from '../guest/keys.ts';
import { migrateToFile, setCapabilities } from '../qemu/migrate.ts';
import { QmpClient } from '../qemu/qmp.ts';
import { attach, detachCommand, readFingerprint } from './guest.ts';
import { troubleIn } from '../qemu/console.ts';
import { SNAPSHOT_FORMAT } from './key.ts';
import { encodeMeta, FILES, type SnapshotMeta } from './meta.ts';
import { copySparse } from './sparse.ts';

export interface SaveOptions {
  /** The running VM's QMP socket (qemuArgv's qmpSocket). */
  qmpSocket: string;
  guest: GuestSession;
  backingDir: string;
  key: RunKey;
  hostKey: string;
  /** The exact -append of the running VM (it carries the key blob; the restoring QEMU must get the same). */
  append: string;
  cmdline: string;
  consoleLines?: string[];
  extra?: unknown;
  /** Bus numbers of the topology's CXL host bridges (attachCommand). */
  cxlBuses: number[];
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** The -append value of a QEMU argv. */
export function appendOf(argv: string[]): string {
  const i = argv.indexOf('-append');
  const v = i >= 0 ? argv[i + 1] : undefined;
  if (v === undefined) throw new HarnessError('the VM argv has no -append', { stage: 'boot' });
  return v;
}

/** Between the last command and the stop; measured: 300 ms took a restore's median from 1090 to 986 ms. */
const QUIESCE_MS = 300;

/** The saved VM could not be put back as it was: the caller must not go on using it. */
export class SavedVmChanged extends HarnessError {
  constructor(message: string, details: string[]) {
    super(message, { stage: 'boot', details });
    this.name = 'SavedVmChanged';
  }
}

/**
 * Writes the snapshot into `out` (an empty folder: the cache's temp folder). The guest detaches its CXL hierarchy
 * (detachCommand: QEMU keeps no state of those devices), is stopped from the start of the migration until the backing
 * files are copied, so the stream and the files are one instant, then resumed and attached again; the caller goes on
 * using it. Throws SavedVmChanged when the attached guest is not the one fingerprinted before the save.
 */
export async function saveSnapshot(o: SaveOptions, out: string): Promise<SnapshotMeta> {
  const timeoutMs = o.timeoutMs ?? 120_000;
  // The stream holds the guest's memory (its host key among it) and the folder the client key: for this user only.
  await chmod(out, 0o700);
  const { fingerprint, sessionPid } = await readFingerprint(o.guest);
  const qmp = await QmpClient.connect(o.qmpSocket, { timeoutMs: 5000, ...(o.signal ? { signal: o.signal } : {}) });
  let stopped = false;
  let detached = false;
  try {
    await setCapabilities(qmp);
    detached = true;
    const d = await o.guest.exec(detachCommand());
    if (d.code !== 0) throw new HarnessError('detaching the CXL hierarchy before the save failed', { stage: 'boot', details: d.stderr.split('\n').filter(Boolean) });
    // Let the guest finish what the command left behind (the shell's exit, dropbear's channel close) before the
    // stop: stopped in the middle, every restore did that work with a cold translation cache, about 100 ms more.
    await new Promise((r) => setTimeout(r, QUIESCE_MS));
    const t0 = Date.now();
    await qmp.execute('stop');
    stopped = true;
    const t1 = Date.now();
    await migrateToFile(qmp, join(out, FILES.state), timeoutMs, o.signal);
    const migrateMs = Date.now() - t1;
    await copySparse(o.backingDir, join(out, FILES.backing));
    await qmp.execute('cont');
    stopped = false;
    const saveMs = Date.now() - t0;
    const backing = await Promise.all(
      (await readdir(join(out, FILES.backing))).sort().map(async (name) => {
        const st = await stat(join(out, FILES.backing, name));
        return { name, apparent: st.size, allocated: st.blocks * 512 };
      }),
    );
    const qemu = qmp.version ? `${qmp.version.qemu.major}.${qmp.version.qemu.minor}.${qmp.version.qemu.micro}${qmp.version.package ? ` (${qmp.version.package.trim()})` : ''}` : 'unknown';
    const meta: SnapshotMeta = {
      format: SNAPSHOT_FORMAT,
      createdAt: new Date().toISOString(),
      qemu,
      cmdline: o.cmdline,
      append: o.append,
      publicBlob: o.key.publicBlob,
      hostKey: o.hostKey,
      fingerprint,
      sessionPid,
      backing,
      stateBytes: (await stat(join(out, FILES.state))).size,
      saveMs,
      migrateMs,
      ...(o.extra !== undefined ? { extra: o.extra } : {}),
    };
    await writeFile(join(out, FILES.key), o.key.privateKey, { mode: 0o600 });
    await chmod(join(out, FILES.key), 0o600);
    await writeFile(join(out, FILES.console), (o.consoleLines ?? []).map((l) => `${l}\n`).join(''));
    await writeFile(join(out, FILES.meta), encodeMeta(meta));
    return meta;
  } catch (err) {
    throw err instanceof HarnessError ? err : new HarnessError('saving the snapshot failed', { stage: 'boot', cause: err });
  } finally {
    // Leave the VM running as it was found, whatever failed.
    if (stopped) await qmp.execute('cont').catch(() => undefined);
    qmp.close();
    if (detached) {
      const a = await attach(o.guest, fingerprint, o.cxlBuses);
      const trouble = a.run.attachLog.filter((l) => troubleIn(l));
      if (trouble.length || a.differences.length) throw new SavedVmChanged('the saved guest did not come back as it was after attaching its CXL devices again', [...trouble, ...a.differences]);
    }
  }
}
