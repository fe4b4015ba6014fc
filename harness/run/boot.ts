// Boots the guest and opens the SSH session; every failure on the way stops QEMU before it is reported.
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { HarnessError } from '../common/errors.ts';
import type { GuestImage } from '../image/build.ts';
import type { KernelImage } from '../kernel/types.ts';
import { HOSTKEY, READY } from '../qemu/console.ts';
import { QEMU } from '../qemu/binary.ts';
import { Vm } from '../qemu/vm.ts';
import { qemuArgv } from '../topology/argv.ts';
import { shellQuote } from '../common/shell.ts';
import type { Topology } from '../topology/types.ts';
import { newRunKey } from '../guest/keys.ts';
import { GuestSession } from '../guest/session.ts';
import { freePort } from './free-port.ts';

export interface BootOptions {
  kernel: KernelImage;
  image: GuestImage;
  topology: Topology;
  /** Kernel parameters the scenario asks for; later ones win, as in the kernel. */
  cmdline: string[];
  runDir: string;
  signal?: AbortSignal;
  readyTimeoutMs?: number;
}

export interface Booted extends AsyncDisposable {
  vm: Vm;
  guest: GuestSession;
  cmdline: string;
  /** QEMU start to the init's ready line, and ready line to an open SSH session. */
  timings: { bootMs: number; sshMs: number };
  shutdown(): Promise<number>;
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

export async function bootGuest(o: BootOptions): Promise<Booted> {
  const key = newRunKey();
  const { cmdline, append } = kernelCmdline(o.cmdline, key.publicBlob);
  const port = await freePort();
  const argv = qemuArgv(o.topology, { kernel: o.kernel.vmlinuz, initrd: o.image.initrd, append, sshPort: port });
  await writeFile(join(o.runDir, 'qemu-command.sh'), `${shellQuote([QEMU, ...argv])}\n`);
  const t0 = Date.now();
  const vm = new Vm(QEMU, argv, join(o.runDir, 'console.log'));
  try {
    const timeout = o.readyTimeoutMs ?? 60_000;
    const hostKey = (await vm.waitFor(HOSTKEY, timeout, o.signal))[1]!;
    await vm.waitFor(READY, timeout, o.signal);
    const bootMs = Date.now() - t0;
    const guest = await GuestSession.connect({ port, privateKey: key.privateKey, hostKey, timeoutMs: 15_000, signal: o.signal });
    const sshMs = Date.now() - t0 - bootMs;
    const shutdown = async () => {
      const t = Date.now();
      // poweroff -f never answers: the guest is gone before the channel closes.
      await guest.exec('poweroff -f', 2000).catch(() => undefined);
      guest.close();
      await vm.stop(5000);
      return Date.now() - t;
    };
    return { vm, guest, cmdline, timings: { bootMs, sshMs }, shutdown, [Symbol.asyncDispose]: async () => void (await shutdown()) };
  } catch (err) {
    await vm.stop(0);
    throw err instanceof HarnessError ? err : new HarnessError('boot failed', { stage: 'boot', cause: err });
  }
}
