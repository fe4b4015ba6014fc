// Where a boot's QMP socket goes: in its folder, or in a short temp path when that is too long for a unix socket.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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
