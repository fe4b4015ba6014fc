// Starts a guest from a snapshot instead of booting it, and checks it against the saved fingerprint. In two parts:
// preparing (QEMU started, the state loaded, the VM paused) can run ahead, while an earlier scenario still runs.
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HarnessError } from '../common/errors.ts';
import { GuestSession } from '../guest/session.ts';
import type { GuestImage } from '../image/build.ts';
import type { KernelImage } from '../kernel/types.ts';
import { QEMU } from '../qemu/binary.ts';
import { troubleIn } from '../qemu/console.ts';
import { migrateFromFile, setCapabilities } from '../qemu/migrate.ts';
import { QmpClient } from '../qemu/qmp.ts';
import { Vm } from '../qemu/vm.ts';
import { commandScript, type Booted } from '../run/boot.ts';
import { freePort } from '../run/free-port.ts';
import type { Runtime } from '../runtime/types.ts';
import { qemuArgv } from '../topology/argv.ts';
import type { Topology } from '../topology/types.ts';
import { attach, settleCommand, type GuestFingerprint } from './guest.ts';
import { FILES, type SnapshotMeta } from './meta.ts';
import { discardQmpSocket, qmpSocketPath } from './qmp-socket.ts';
import { copySparse } from './sparse.ts';

export interface PrepareOptions {
  runtime: Runtime;
  /** The snapshot folder (the cache's entry) and its meta. */
  snapshotDir: string;
  meta: SnapshotMeta;
  topology: Topology;
  kernel: KernelImage;
  image: GuestImage;
  /** The boot's artifacts folder, as for bootGuest: console log, runnable command, SSH key, backing files. */
  dir: string;
  /** Loading the stream, and the SSH session after it; default 60 s each. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface RestoreTimings {
  /** Copying the backing files into the boot's folder. */
  copyMs: number;
  /** QEMU start to a loaded, paused VM. */
  loadMs: number;
  /** Whether copy and load ran ahead (a prepared restore): then totalMs leaves them out. */
  ahead: boolean;
  /** cont to an open SSH session. */
  sshMs: number;
  /** Settling, attaching the CXL hierarchy and the fingerprint check. */
  checkMs: number;
  /** From the call that needed the guest to a session ready for the first scenario. */
  totalMs: number;
}

export interface Restored extends Booted {
  restore: {
    timings: RestoreTimings;
    /** The kernel log of attaching the CXL hierarchy (also in restore-attach.log). */
    attachLog: string[];
    /** Guest uptime at the save and right after the restore (seconds): continuity of the guest's clock. */
    uptime: { saved: number; restored: number };
    fingerprint: GuestFingerprint;
  };
  extra?: unknown;
}

export interface ResumeOptions {
  /** Whether preparing ran ahead, while something else went on (see RestoreTimings.ahead). */
  ahead: boolean;
  /** When the guest was asked for: timings.totalMs counts from there (default: the call). */
  since?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A snapshot loaded into a paused QEMU. */
export interface PreparedRestore {
  readonly dir: string;
  readonly timings: { copyMs: number; loadMs: number };
  /**
   * cont, SSH, settle and attach the CXL hierarchy, and the fingerprint check. On failure the VM is stopped and its
   * files removed.
   */
  resume(o: ResumeOptions): Promise<Restored>;
  /** Stops the QEMU and removes what prepareRestore made, for a restore nobody resumed. */
  discard(): Promise<void>;
}

/** The restoring QEMU's argv: the saved machine with this boot's port, folders and QMP socket, waiting for migrate-incoming. */
export function restoreArgs(o: { topology: Topology; kernel: KernelImage; image: GuestImage; append: string; sshPort: number; backingDir: string; qmpSocket: string }): string[] {
  return [...qemuArgv(o.topology, { kernel: o.kernel.vmlinuz, initrd: o.image.initrd, append: o.append, sshPort: o.sshPort, backingDir: o.backingDir, qmpSocket: o.qmpSocket }), '-incoming', 'defer'];
}

const restoreError = (message: string, details: string[] = [], cause?: unknown) => new HarnessError(message, { stage: 'boot', details, ...(cause ? { cause } : {}) });

/** The snapshot itself is at fault (QEMU refused the stream, or the guest came back different): not worth a retry. */
export class UnfaithfulRestore extends HarnessError {
  constructor(message: string, details: string[], cause?: unknown) {
    super(message, { stage: 'boot', details, ...(cause ? { cause } : {}) });
    this.name = 'UnfaithfulRestore';
  }
}

/** Copies the backing files, starts QEMU waiting for the stream and loads it: the VM is left paused. */
export async function prepareRestore(o: PrepareOptions): Promise<PreparedRestore> {
  const t0 = Date.now();
  const timeoutMs = o.timeoutMs ?? 60_000;
  const backingDir = join(o.dir, 'backing');
  const privateKey = await readFile(join(o.snapshotDir, FILES.key), 'utf8');
  await mkdir(o.dir, { recursive: true });
  await copySparse(join(o.snapshotDir, FILES.backing), backingDir);
  const copyMs = Date.now() - t0;
  const port = await freePort();
  const qmpSocket = qmpSocketPath(o.dir, o.runtime);
  if (!qmpSocket) {
    await rm(backingDir, { recursive: true, force: true });
    throw restoreError(`${o.dir} is too deep for a QMP socket path in a container; restore skipped`);
  }
  const argv = restoreArgs({ topology: o.topology, kernel: o.kernel, image: o.image, append: o.meta.append, sshPort: port, backingDir, qmpSocket });
  const state = join(o.snapshotDir, FILES.state);
  await writeFile(join(o.dir, 'qemu-command.sh'), commandScript(argv, backingDir) + `# then over QMP: migrate-set-capabilities x-ignore-shared, migrate-incoming file:${state}, cont\n`, { mode: 0o755 });
  await writeFile(join(o.dir, 'id_ed25519'), privateKey, { mode: 0o600 });
  await copyFile(join(o.snapshotDir, FILES.console), join(o.dir, 'console-before-snapshot.log')).catch(() => undefined);
  const t1 = Date.now();
  const vm = new Vm(o.runtime, QEMU, argv, join(o.dir, 'console.log'));
  const discard = async (qmp?: QmpClient) => {
    qmp?.close();
    await vm.stop(0);
    discardQmpSocket(qmpSocket, o.dir);
    await rm(backingDir, { recursive: true, force: true });
  };
  let qmp: QmpClient | undefined;
  try {
    qmp = await QmpClient.connect(qmpSocket, { timeoutMs: 10_000, gone: vm.exit, ...(o.signal ? { signal: o.signal } : {}) });
    await setCapabilities(qmp);
    await migrateFromFile(qmp, state, timeoutMs, o.signal).catch(async (err: unknown) => {
      const r = await Promise.race([vm.exit, new Promise<undefined>((res) => setTimeout(() => res(undefined), 1000).unref())]);
      throw new UnfaithfulRestore('QEMU could not load the snapshot', r ? r.stderr.split('\n').filter(Boolean).map((l) => `qemu: ${l}`) : [], err);
    });
  } catch (err) {
    await discard(qmp);
    throw err instanceof HarnessError ? err : restoreError('restoring the snapshot failed', [], err);
  }
  const q = qmp;
  const prepared: PreparedRestore = {
    dir: o.dir,
    timings: { copyMs, loadMs: Date.now() - t1 },
    discard: () => discard(q),
    resume: (r) => resume({ prepared, vm, qmp: q, qmpSocket, port, argv, backingDir, privateKey, meta: o.meta, topology: o.topology }, r),
  };
  return prepared;
}

interface Loaded {
  prepared: PreparedRestore;
  vm: Vm;
  qmp: QmpClient;
  qmpSocket: string;
  port: number;
  argv: string[];
  backingDir: string;
  privateKey: string;
  meta: SnapshotMeta;
  topology: Topology;
}

async function resume(l: Loaded, o: ResumeOptions): Promise<Restored> {
  const t0 = o.since ?? Date.now();
  const { prepared: p, vm, qmp, qmpSocket, port, argv, backingDir, privateKey, meta } = l;
  let guest: GuestSession | undefined;
  try {
    const t2 = Date.now();
    await qmp.execute('cont');
    qmp.close();
    guest = await GuestSession.connect({ port, privateKey, hostKey: meta.hostKey, timeoutMs: o.timeoutMs ?? 60_000, ...(o.signal ? { signal: o.signal } : {}) });
    const sshMs = Date.now() - t2;
    const t3 = Date.now();
    const saved = meta.fingerprint;
    // One round trip: settle, attach the CXL hierarchy the save detached, fingerprint.
    const a = await attach(guest, saved, l.topology.hostBridges.map((hb) => hb.busNr), settleCommand(meta.sessionPid));
    const attachLog = a.run.attachLog;
    await writeFile(join(p.dir, 'restore-attach.log'), attachLog.map((l) => `${l}\n`).join(''));
    const trouble = attachLog.filter((l) => troubleIn(l));
    if (trouble.length) throw new UnfaithfulRestore('attaching the CXL devices after the restore made the kernel complain', trouble);
    if (a.differences.length) throw new UnfaithfulRestore('the restored guest differs from the snapshot', a.differences);
    const checkMs = Date.now() - t3;
    const timings: RestoreTimings = { ...p.timings, ahead: o.ahead, sshMs, checkMs, totalMs: Date.now() - t0 };
    let done = false;
    const shutdown = async (keepFiles = false) => {
      const t = Date.now();
      if (done) return 0;
      done = true;
      // The session may have been replaced since the restore (kexec): the current one is used.
      await restored.guest.exec('poweroff -f', 2000).catch(() => undefined);
      restored.guest.close();
      await vm.stop(5000);
      discardQmpSocket(qmpSocket, p.dir);
      if (!keepFiles) await rm(backingDir, { recursive: true, force: true });
      return Date.now() - t;
    };
    const restored: Restored = {
      vm,
      guest,
      cmdline: meta.cmdline,
      argv,
      port,
      key: { privateKey, publicBlob: meta.publicBlob },
      hostKey: meta.hostKey,
      backingDir,
      timings: { bootMs: o.ahead ? 0 : p.timings.loadMs, sshMs: sshMs + checkMs },
      shutdown,
      [Symbol.asyncDispose]: async () => void (await shutdown()),
      restore: { timings, attachLog, uptime: { saved: saved.uptime, restored: a.run.settledUptime ?? a.fingerprint.uptime }, fingerprint: a.fingerprint },
      ...(meta.extra !== undefined ? { extra: meta.extra } : {}),
    };
    return restored;
  } catch (err) {
    guest?.close();
    await p.discard();
    throw err instanceof HarnessError ? err : restoreError('restoring the snapshot failed', [], err);
  }
}
