// The exact QEMU command a boot would run, as a runnable script: the real kernel, image and backing paths, a free
// port and a fresh SSH key saved beside it.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { newRunKey } from '../guest/keys.ts';
import type { GuestImage } from '../image/build.ts';
import type { KernelImage } from '../kernel/types.ts';
import { qemuArgv } from '../topology/argv.ts';
import type { Topology } from '../topology/types.ts';
import { commandScript, kernelCmdline } from './boot.ts';
import { freePort } from './free-port.ts';

export async function showCommand(kernel: KernelImage, image: GuestImage, topology: Topology, params: string[], folder: string): Promise<string> {
  const dir = resolve(folder);
  await mkdir(dir, { recursive: true });
  const key = newRunKey();
  await writeFile(join(dir, 'id_ed25519'), key.privateKey, { mode: 0o600 });
  const { append } = kernelCmdline(params, key.publicBlob);
  const port = await freePort();
  const backingDir = join(dir, 'backing');
  const argv = qemuArgv(topology, { kernel: kernel.vmlinuz, initrd: image.initrd, append, sshPort: port, backingDir });
  const script = `${commandScript(argv, backingDir)}# then: ssh -i ${join(dir, 'id_ed25519')} -p ${port} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null root@127.0.0.1\n`;
  await writeFile(join(dir, 'qemu-command.sh'), script, { mode: 0o755 });
  return script;
}
