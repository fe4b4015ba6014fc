// Starts a new kernel in the running guest without a device reset (kexec): the kernel image is copied in, the guest
// packs its own root file system as the initramfs, and the next kernel finds the HDM decoders still committed.
import { readFile } from 'node:fs/promises';
import { HarnessError } from '../common/errors.ts';
import { GuestSession } from '../guest/session.ts';
import { HOSTKEY, READY } from '../qemu/console.ts';
import { readGuestGraph, type GuestNames } from '../topology/guest-graph.ts';
import type { Booted } from './boot.ts';

const DIR = '/tmp/cxl-harness-kexec';
const GRAPH = '/usr/libexec/cxl-harness/graph';

/** Replaces `booted.guest` with a session on the new kernel and returns the names that kernel gave its objects. */
export async function kexecGuest(booted: Booted, vmlinuz: string, timeoutMs: number, signal?: AbortSignal): Promise<GuestNames> {
  const guest = booted.guest;
  await guest.put(`${DIR}/vmlinuz`, await readFile(vmlinuz), 0o644);
  // The root file system is the initramfs the guest booted from: the same init, tools and modules, packed again
  // (mount points kept, their contents left behind; /tmp's contents too).
  const load = await guest.exec(
    `cd / && find . -xdev -path './tmp/*' -prune -o -print | cpio -o -H newc > ${DIR}/initrd.cpio 2>/dev/null && kexec -l ${DIR}/vmlinuz --initrd=${DIR}/initrd.cpio --command-line="$(cat /proc/cmdline)"`,
    120_000,
  );
  if (load.code !== 0) throw new HarnessError('kexec -l failed in the guest', { stage: 'steps', details: load.stderr.trim().split('\n').slice(-4) });
  const mark = booted.vm.lines.length;
  // The session cannot outlive the kernel: start kexec -e after this command returns.
  await guest.exec('(sleep 0.5; kexec -e) > /dev/null 2>&1 &', 5000).catch(() => undefined);
  guest.close();
  const hostKey = (await booted.vm.waitFor(HOSTKEY, timeoutMs, signal, mark))[1]!;
  await booted.vm.waitFor(READY, timeoutMs, signal, mark);
  booted.guest = await GuestSession.connect({ port: booted.port, privateKey: booted.key.privateKey, hostKey, timeoutMs: 30_000, timeoutScale: booted.guest.timeoutScale, ...(signal ? { signal } : {}) });
  booted.hostKey = hostKey;
  // Enumeration, and with it region assembly, finishes after init's ready line: wait until the graph is whole.
  let names = readGuestGraph('').names;
  await booted.guest.pollUntil(async () => {
    const g = readGuestGraph((await booted.guest.exec(GRAPH)).stdout);
    names = g.names;
    return g.names.devices.length && g.names.devices.every((d) => d.decoders.length) ? true : undefined;
  }, timeoutMs, 300);
  return names;
}
