// QEMU command lines for the Docker end-to-end tests: the ground truth's CXL machine, with or without a kernel.
import { createServer } from 'node:net';

/** A port free on 127.0.0.1 now (QEMU binds it for its hostfwd). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * One CXL Type-3 volatile memory expander behind a host bridge and root port (docs: ground-truth.md), user networking
 * with ssh forwarded from 127.0.0.1:`port`. Without a kernel the firmware finds nothing to boot and QEMU keeps running.
 */
export function cxlMachineArgv(o: { port: number; kernel?: string }): string[] {
  return [
    '-nodefaults', '-no-user-config', '-display', 'none', '-monitor', 'none', '-serial', 'stdio', '-no-reboot',
    '-machine', 'q35,cxl=on', '-cpu', 'max,-hypervisor', '-smp', '2', '-m', '1024M,maxmem=4096M,slots=4',
    ...(o.kernel ? ['-kernel', o.kernel, '-append', 'console=ttyS0 panic=-1'] : []),
    '-netdev', `user,id=net0,hostfwd=tcp:127.0.0.1:${o.port}-:22`, '-device', 'virtio-net-pci,netdev=net0',
    '-object', 'memory-backend-ram,id=vmem0,share=on,size=256M',
    '-device', 'pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1',
    '-device', 'cxl-rp,port=0,bus=cxl.1,id=root_port13,chassis=0,slot=2',
    '-device', 'cxl-type3,bus=root_port13,volatile-memdev=vmem0,id=cxl-vmem0',
    '-M', 'cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4096M',
  ];
}
