// The host runtime: processes started with execa, killed only by their own pid, cleaned up if Node exits first.
import { execa } from 'execa';
import type { CommandResult, ProcessHandle, Runtime, RunOptions, SpawnOptions } from './types.ts';

export class HostRuntime implements Runtime {
  readonly name = 'host' as const;

  spawn(file: string, args: string[], o: SpawnOptions = {}): ProcessHandle {
    const proc = execa(file, args, { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', reject: false, cleanup: true, buffer: false, ...(o.cwd ? { cwd: o.cwd } : {}), ...(o.env ? { env: o.env } : {}) });
    const exit = proc.then((r) => ({ ...(r.exitCode !== undefined ? { code: r.exitCode } : {}), ...(r.signal ? { signal: r.signal } : {}) }));
    return { pid: proc.pid, label: `pid ${proc.pid}`, stdout: proc.stdout, stderr: proc.stderr, exit, kill: (s) => void proc.kill(s) };
  }

  async run(file: string, args: string[], o: RunOptions = {}): Promise<CommandResult> {
    const proc = execa(file, args, {
      reject: false,
      all: true,
      ...(o.cwd ? { cwd: o.cwd } : {}),
      ...(o.env ? { env: o.env } : {}),
      ...(o.signal ? { cancelSignal: o.signal } : {}),
      ...(o.onLine ? { buffer: { stdout: true, stderr: true, all: false } } : {}),
    });
    if (o.onLine) for await (const line of proc.iterable({ from: 'all' })) o.onLine(line);
    const r = await proc;
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
  }

  async close(): Promise<void> {}
}
