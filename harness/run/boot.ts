// Boots the guest and opens the SSH session; every failure on the way stops QEMU before it is reported.
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { HarnessError } from '../common/errors.ts';
import { shellQuote } from '../common/shell.ts';
import { newRunKey, type RunKey } from '../guest/keys.ts';
import { GuestSession } from '../guest/session.ts';
import type { GuestImage } from '../image/build.ts';
import type { KernelImage } from '../kernel/types.ts';
import { QEMU } from '../qemu/binary.ts';
import { HOSTKEY, READY } from '../qemu/console.ts';
import { Vm } from '../qemu/vm.ts';
import type { Runtime } from '../runtime/types.ts';
import { qemuArgv } from '../topology/argv.ts';
import type { Topology } from '../topology/types.ts';
import { freePort } from './free-port.ts';

export interface BootOptions {
  runtime: Runtime;
  kernel: KernelImage;
  image: GuestImage;
  topology: Topology;
  /** Kernel parameters the scenario asks for; later ones win, as in the kernel. */
  cmdline: string[];
  /** The boot's artifacts folder: console log, runnable command, SSH key, backing files. */
  dir: string;
  signal?: AbortSignal;
  readyTimeoutMs: number;
  /** --timeout-scale, for the guest session's command timeouts. */
  timeoutScale?: number;
  /** A QMP monitor socket for the VM (post-boot snapshots are saved through it). */
  qmpSocket?: string;
}

export interface Booted extends AsyncDisposable {
  vm: Vm;
  guest: GuestSession;
  cmdline: string;
  argv: string[];
  port: number;
  key: RunKey;
  hostKey: string;
  backingDir: string;
  /** Each earlier attempt at this boot that QEMU crashed before the guest was ready (its error text). */
  qemuCrashes?: string[];
  /** QEMU start to the init's ready line, and ready line to an open SSH session. */
  timings: { bootMs: number; sshMs: number };
  /** Powers the guest off; `keepFiles` leaves the backing files for a later look. Returns how long it took. */
  shutdown(keepFiles?: boolean): Promise<number>;
}

/**
 * Parameters every boot gets: serial console, QEMU exits on panic, warnings (level 4) on the console, and one
 * memory online policy whatever the kernel's build default, so scenarios start alike on every kernel
 * (a scenario variant's own memhp_default_state comes later and wins).
 */
export const BASE_CMDLINE = ['console=ttyS0', 'panic=-1', 'loglevel=5', 'memhp_default_state=offline'];

/** The kernel command line of a boot; the run's public key rides along for the guest's init. */
export function kernelCmdline(params: string[], keyBlob: string): { cmdline: string; append: string } {
  const cmdline = [...BASE_CMDLINE, ...params].join(' ');
  return { cmdline, append: `${cmdline} cxl_harness.key=${keyBlob}` };
}

/** A script that starts the same QEMU again: the same argv, the backing folder and the QMP socket's folder made first. */
export function commandScript(argv: string[], backingDir: string): string {
  const qmp = argv[argv.indexOf('-qmp') + 1];
  const socketDir = argv.includes('-qmp') && qmp?.startsWith('unix:') ? [dirname(qmp.slice(5).split(',')[0]!)] : [];
  return `#!/bin/sh\n# The exact QEMU command this boot ran; the guest's SSH key is beside it (id_ed25519).\nmkdir -p ${shellQuote([backingDir, ...socketDir])}\nexec ${shellQuote([QEMU, ...argv])}\n`;
}

/** QEMU died of its own fault (an assertion, a segfault) before the guest was ready. */
export class QemuCrashed extends HarnessError {
  constructor(signal: string, cause: HarnessError) {
    super(`QEMU crashed (${signal}) before the guest was ready`, { stage: 'boot', details: cause.details, cause });
    this.name = 'QemuCrashed';
  }
}

/**
 * Boots; when QEMU itself crashes before the guest is ready, boots once more: that is the emulator's failure, not
 * the kernel's (QEMU 10.0's multi-threaded TCG aborted in iotlb_to_section, QEMU issue 1921; docs/observations.md).
 * A crash that comes back is reported as the boot's error.
 */
export async function bootGuest(o: BootOptions): Promise<Booted> {
  try {
    return await bootAttempt(o);
  } catch (err) {
    if (!(err instanceof QemuCrashed) || o.signal?.aborted) throw err;
    await rename(join(o.dir, 'console.log'), join(o.dir, 'console-qemu-crash.log'));
    const booted = await bootAttempt(o);
    booted.qemuCrashes = [err.format()];
    return booted;
  }
}

async function bootAttempt(o: BootOptions): Promise<Booted> {
  const key = newRunKey();
  const { cmdline, append } = kernelCmdline(o.cmdline, key.publicBlob);
  const port = await freePort();
  const backingDir = join(o.dir, 'backing');
  await mkdir(backingDir, { recursive: true });
  const argv = qemuArgv(o.topology, { kernel: o.kernel.vmlinuz, initrd: o.image.initrd, append, sshPort: port, backingDir, ...(o.qmpSocket ? { qmpSocket: o.qmpSocket } : {}) });
  await writeFile(join(o.dir, 'qemu-command.sh'), commandScript(argv, backingDir), { mode: 0o755 });
  await writeFile(join(o.dir, 'id_ed25519'), key.privateKey, { mode: 0o600 });
  await chmod(join(o.dir, 'id_ed25519'), 0o600);
  const t0 = Date.now();
  const vm = new Vm(o.runtime, QEMU, argv, join(o.dir, 'console.log'));
  try {
    const hostKey = (await vm.waitFor(HOSTKEY, o.readyTimeoutMs, o.signal))[1]!;
    await vm.waitFor(READY, o.readyTimeoutMs, o.signal);
    const bootMs = Date.now() - t0;
    const guest = await GuestSession.connect({ port, privateKey: key.privateKey, hostKey, timeoutMs: 15_000, timeoutScale: o.timeoutScale ?? 1, ...(o.signal ? { signal: o.signal } : {}) });
    const sshMs = Date.now() - t0 - bootMs;
    let done = false;
    const booted: Booted = {
      vm,
      guest,
      cmdline,
      argv,
      port,
      key,
      hostKey,
      backingDir,
      timings: { bootMs, sshMs },
      shutdown: async (keepFiles = false) => {
        const t = Date.now();
        if (done) return 0;
        done = true;
        // poweroff -f never answers: the guest is gone before the channel closes. The session may have been
        // replaced since boot (kexec), so the current one is used.
        await booted.guest.exec('poweroff -f', 2000).catch(() => undefined);
        booted.guest.close();
        await vm.stop(5000);
        if (!keepFiles) await rm(backingDir, { recursive: true, force: true });
        return Date.now() - t;
      },
      [Symbol.asyncDispose]: async () => void (await booted.shutdown()),
    };
    return booted;
  } catch (err) {
    const crash = await vm.crashSignal();
    await vm.stop(0);
    await rm(backingDir, { recursive: true, force: true });
    if (crash && err instanceof HarnessError) throw new QemuCrashed(crash, err);
    throw err instanceof HarnessError ? err : new HarnessError('boot failed', { stage: 'boot', cause: err });
  }
}
