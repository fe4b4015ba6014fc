// Turns a topology into the qemu-system-x86_64 argument list, and quotes it for display.
import type { Topology } from './types.ts';

export interface QemuArgvOptions {
  kernel: string;
  initrd: string;
  append: string;
  /** Host port forwarded to the guest's sshd, bound to 127.0.0.1 only. */
  sshPort: number;
}

export function qemuArgv(t: Topology, opts: QemuArgvOptions): string[] {
  const rootPorts = t.hostBridges.flatMap((hb) => hb.rootPorts.map((rp) => ({ hb, rp })));
  const devices = rootPorts.flatMap(({ rp }) => (rp.device ? [{ rp, dev: rp.device }] : []));
  const argv = [
    '-nodefaults', '-no-user-config', '-display', 'none', '-monitor', 'none', '-serial', 'stdio', '-no-reboot',
    '-machine', 'q35,cxl=on',
    // The stock kernel refuses region commit when it sees a hypervisor, because cpu_cache_has_invalidate_memregion() is false then.
    '-cpu', 'max,-hypervisor',
    '-smp', String(t.cpus),
    '-m', `${t.memory.bootMiB}M,maxmem=${t.memory.maxMiB}M,slots=${t.memory.slots}`,
    '-kernel', opts.kernel,
    '-initrd', opts.initrd,
    '-append', opts.append,
    '-netdev', `user,id=net0,hostfwd=tcp:127.0.0.1:${opts.sshPort}-:22`,
    '-device', 'virtio-net-pci,netdev=net0',
  ];
  for (const { dev } of devices) {
    argv.push('-object', `memory-backend-ram,id=vmem-${dev.id},share=on,size=${dev.volatileMiB}M`);
  }
  for (const hb of t.hostBridges) argv.push('-device', `pxb-cxl,bus_nr=${hb.busNr},bus=pcie.0,id=${hb.id}`);
  for (const { hb, rp } of rootPorts) {
    argv.push('-device', `cxl-rp,port=${rp.port},bus=${hb.id},id=${rp.id},chassis=${rp.chassis},slot=${rp.slot}`);
  }
  for (const { rp, dev } of devices) {
    argv.push('-device', `cxl-type3,bus=${rp.id},volatile-memdev=vmem-${dev.id},id=${dev.id}`);
  }
  t.windows.forEach((w, k) => {
    const parts = w.targets.map((target, i) => `cxl-fmw.${k}.targets.${i}=${target}`);
    parts.push(`cxl-fmw.${k}.size=${w.sizeMiB}M`);
    // QEMU takes a size here; a bare number is bytes, which is the unit of `granularity`.
    if (w.granularity !== undefined) parts.push(`cxl-fmw.${k}.interleave-granularity=${w.granularity}`);
    argv.push('-M', parts.join(','));
  });
  return argv;
}
