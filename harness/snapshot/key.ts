// The cache key of a post-boot snapshot: everything that makes two boots the same machine in the same state.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { GuestImage } from '../image/build.ts';
import type { KernelImage } from '../kernel/types.ts';
import { QEMU } from '../qemu/binary.ts';
import type { Runtime } from '../runtime/types.ts';
import { qemuArgv } from '../topology/argv.ts';
import type { Topology } from '../topology/types.ts';
import { HarnessError } from '../common/errors.ts';

/** Bump when what a snapshot holds, or how it is restored, changes in a way the inputs below do not capture. */
export const SNAPSHOT_FORMAT = 3;

export interface SnapshotKeyInputs {
  kernel: KernelImage;
  image: GuestImage;
  topology: Topology;
  /** The effective kernel command line without the per-boot key (kernelCmdline(...).cmdline). */
  cmdline: string;
  /** `qemu-system-x86_64 --version` of the QEMU that boots and restores (qemuIdentity). */
  qemu: string;
}

const fileHashes = new Map<string, Promise<string>>();

/** sha256 of a file, remembered per path, size and mtime (a rebuilt bzImage at the same path gets a new hash). */
async function fileHash(path: string): Promise<string> {
  const st = await stat(path);
  const memo = `${path}\0${st.size}\0${st.mtimeMs}`;
  let h = fileHashes.get(memo);
  if (!h) {
    h = new Promise<string>((resolve, reject) => {
      const hash = createHash('sha256');
      createReadStream(path)
        .on('data', (d) => hash.update(d))
        .on('error', reject)
        .on('end', () => resolve(hash.digest('hex')));
    });
    fileHashes.set(memo, h);
  }
  return h;
}

/**
 * The QEMU machine with every per-boot value (port, folders, key) replaced by a placeholder: a change to argv.ts, the
 * topology or the command line changes the machine, and so the key.
 */
export function machineShape(topology: Topology, cmdline: string): string[] {
  return qemuArgv(topology, { kernel: '@kernel', initrd: '@initrd', append: cmdline, sshPort: 0, backingDir: '@backing', qmpSocket: '@qmp' });
}

export async function snapshotKey(i: SnapshotKeyInputs): Promise<string> {
  const parts = {
    format: SNAPSHOT_FORMAT,
    kernel: { release: i.kernel.release, vmlinuz: await fileHash(i.kernel.vmlinuz), packages: i.kernel.packages },
    image: { key: i.image.key, initrd: await fileHash(i.image.initrd) },
    machine: machineShape(i.topology, i.cmdline),
    qemu: i.qemu,
  };
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 24);
}

const identities = new WeakMap<Runtime, Promise<string>>();

/** The first line of `qemu-system-x86_64 --version` as `runtime` runs it, with the distribution's package version. */
export function qemuIdentity(runtime: Runtime): Promise<string> {
  let p = identities.get(runtime);
  if (!p) {
    p = runtime.run(QEMU, ['--version']).then((r) => {
      const line = r.stdout.split('\n')[0]?.trim() ?? '';
      if (r.exitCode !== 0 || !line) throw new HarnessError(`${QEMU} --version failed`, { stage: 'boot', details: [r.stderr.trim()] });
      return line;
    });
    identities.set(runtime, p);
  }
  return p;
}
