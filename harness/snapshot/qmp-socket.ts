// Where a boot's QMP socket goes, and a runtime that gives every QEMU it starts one (for boots made by bootGuest).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { QEMU } from '../qemu/binary.ts';
import type { Runtime } from '../runtime/types.ts';

/** sun_path holds 108 bytes with its terminating NUL; stay clear of the edge. */
const MAX_SOCKET_PATH = 100;

/**
 * `dir`/qmp.sock, or, when that path is too long for a unix socket (a deep --artifacts folder), one in a fresh folder
 * under the temp dir: only on the host runtime, a container does not see the host's temp dir (then undefined).
 */
export function qmpSocketPath(dir: string, runtime: Pick<Runtime, 'name'>): string | undefined {
  const p = join(dir, 'qmp.sock');
  if (Buffer.byteLength(p) <= MAX_SOCKET_PATH) return p;
  return runtime.name === 'host' ? join(mkdtempSync(join(tmpdir(), 'cxl-qmp-')), 'qmp.sock') : undefined;
}

/** Removes the temp folder qmpSocketPath made for `socket`, if it made one (a socket inside `dir` goes with `dir`). */
export function discardQmpSocket(socket: string, dir: string): void {
  if (dirname(socket) !== dir && dirname(socket).startsWith(join(tmpdir(), 'cxl-qmp-'))) rmSync(dirname(socket), { recursive: true, force: true });
}

/**
 * `runtime`, except that a QEMU it spawns without a QMP monitor gets `-qmp unix:<socket>,server=on,wait=off`.
 * A stopgap so bootGuest's VMs can be snapshotted without changing boot.ts; passing `qmpSocket` to qemuArgv in
 * bootGuest does the same in the open.
 */
export function withQmp(runtime: Runtime, socket: string): Runtime {
  return {
    name: runtime.name,
    spawn: (file, args, o) => runtime.spawn(file, file === QEMU && !args.includes('-qmp') ? [...args, '-qmp', `unix:${socket},server=on,wait=off`] : args, o),
    run: (file, args, o) => runtime.run(file, args, o),
    close: () => runtime.close(),
  };
}
