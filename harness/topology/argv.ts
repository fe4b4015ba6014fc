// Turns a topology into the qemu-system-x86_64 argument list: pure, so boots, --show-command and goldens share it.
import { join } from 'node:path';
import { placedDevices } from './place.ts';
import type { Topology, Type3Device } from './types.ts';

export interface QemuArgvOptions {
  kernel: string;
  initrd: string;
  append: string;
  /** Host port forwarded to the guest's sshd, bound to 127.0.0.1 only. */
  sshPort: number;
  /** Folder for the devices' backing files: file-backed so the host can read where the guest's data landed. */
  backingDir: string;
  /** A QMP unix socket (post-boot snapshots); loopback-free by construction. */
  qmpSocket?: string;
  /** Start from a saved migration stream instead of booting (QEMU -incoming). */
  incoming?: string;
}

/** Backing files of a device, by role; the names are stable so a snapshot can find them again. */
export function backingFiles(backingDir: string, d: Type3Device): { volatile?: string; persistent?: string; lsa?: string } {
  return {
    ...(d.volatileMiB ? { volatile: join(backingDir, `${d.id}.vmem.raw`) } : {}),
    ...(d.persistentMiB ? { persistent: join(backingDir, `${d.id}.pmem.raw`) } : {}),
    ...(d.lsaMiB ? { lsa: join(backingDir, `${d.id}.lsa.raw`) } : {}),
  };
}

export function qemuArgv(t: Topology, o: QemuArgvOptions): string[] {
  const argv = [
    '-nodefaults', '-no-user-config', '-display', 'none', '-monitor', 'none', '-serial', 'stdio', '-no-reboot',
    '-machine', 'q35,cxl=on',
    // Stock kernels refuse region commit when they see a hypervisor: cpu_cache_has_invalidate_memregion() is false then.
    '-cpu', 'max,-hypervisor',
    // One host thread for all vCPUs: multi-threaded TCG (QEMU 10.0.2) now and then aborted in iotlb_to_section,
    // oopsed the guest on an int3 left by kernel text patching, or hung it early in boot (docs/observations.md).
    // On these 2-core hosts the single thread boots and runs steps no slower.
    '-accel', 'tcg,thread=single',
    '-smp', String(t.cpus),
    '-m', `${t.memory.bootMiB}M,maxmem=${t.memory.maxMiB}M,slots=${t.memory.slots}`,
    '-kernel', o.kernel,
    '-initrd', o.initrd,
    '-append', o.append,
    '-netdev', `user,id=net0,hostfwd=tcp:127.0.0.1:${o.sshPort}-:22`,
    '-device', 'virtio-net-pci,netdev=net0',
  ];
  if (o.qmpSocket) argv.push('-qmp', `unix:${o.qmpSocket},server=on,wait=off`);
  const devices = placedDevices(t);
  for (const { device: d } of devices) {
    const files = backingFiles(o.backingDir, d);
    if (files.volatile) argv.push('-object', `memory-backend-file,id=${d.id}-vmem,share=on,mem-path=${files.volatile},size=${d.volatileMiB}M`);
    if (files.persistent) argv.push('-object', `memory-backend-file,id=${d.id}-pmem,share=on,mem-path=${files.persistent},size=${d.persistentMiB}M`);
    if (files.lsa) argv.push('-object', `memory-backend-file,id=${d.id}-lsa,share=on,mem-path=${files.lsa},size=${d.lsaMiB}M`);
  }
  for (const hb of t.hostBridges) argv.push('-device', `pxb-cxl,bus_nr=${hb.busNr},bus=pcie.0,id=${hb.id}`);
  for (const hb of t.hostBridges) {
    for (const rp of hb.rootPorts) {
      argv.push('-device', `cxl-rp,port=${rp.port},bus=${hb.id},id=${rp.id},chassis=${rp.chassis},slot=${rp.slot}`);
      if (!rp.switch) continue;
      const sw = rp.switch;
      // The mailbox CCI is function 1 of the upstream port's slot, so the upstream port itself is multifunction.
      argv.push('-device', `cxl-upstream,bus=${rp.id},id=${sw.id}${sw.mailboxCci ? ',multifunction=on,addr=0.0' : ''}`);
      if (sw.mailboxCci) argv.push('-device', `cxl-switch-mailbox-cci,bus=${rp.id},addr=0.1,target=${sw.id},id=${sw.id}-cci`);
      for (const ds of sw.downstreamPorts) argv.push('-device', `cxl-downstream,port=${ds.port},bus=${sw.id},id=${ds.id},chassis=${ds.chassis},slot=${ds.slot}`);
    }
  }
  for (const p of devices) {
    const d = p.device;
    const bus = p.downstreamPort?.id ?? p.rootPort.id;
    const mem = [
      ...(d.volatileMiB ? [`volatile-memdev=${d.id}-vmem`] : []),
      ...(d.persistentMiB ? [`persistent-memdev=${d.id}-pmem`] : []),
      ...(d.lsaMiB ? [`lsa=${d.id}-lsa`] : []),
    ];
    argv.push('-device', `cxl-type3,bus=${bus},${mem.join(',')},id=${d.id},sn=${d.serial}`);
  }
  // All windows in one -M: QEMU 10.0.2 refuses cxl-fmw keys split over several -M ("used inconsistently").
  const fmw = t.windows.flatMap((w, k) => [
    ...w.targets.map((target, i) => `cxl-fmw.${k}.targets.${i}=${target}`),
    `cxl-fmw.${k}.size=${w.sizeMiB}M`,
    `cxl-fmw.${k}.interleave-granularity=${w.granularity}`,
  ]);
  argv.push('-M', fmw.join(','));
  if (o.incoming) argv.push('-incoming', `file:${o.incoming}`);
  return argv;
}
