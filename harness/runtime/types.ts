// Where QEMU and kernel builds run: on the host, or inside a container (--runtime docker); callers see one interface.
import type { Readable } from 'node:stream';

export interface ProcessHandle {
  /** Host pid when the process runs on the host. */
  readonly pid?: number;
  /** What to call it in messages: "pid 1234", "container 3f2a…". */
  readonly label: string;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Settles once the process is gone, whatever ended it. */
  readonly exit: Promise<{ code?: number; signal?: string }>;
  kill(signal?: NodeJS.Signals): void;
}

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface SpawnOptions {
  env?: Record<string, string>;
  cwd?: string;
}

export interface RunOptions extends SpawnOptions {
  signal?: AbortSignal;
  /** Each line of stdout and stderr as it arrives (build progress); the result still holds both. */
  onLine?: (line: string) => void;
}

export interface Runtime {
  readonly name: 'host' | 'docker';
  /** Starts a long-running process (QEMU) with stdin closed. */
  spawn(file: string, args: string[], o?: SpawnOptions): ProcessHandle;
  /** Runs a command to completion; never rejects on a non-zero exit. */
  run(file: string, args: string[], o?: RunOptions): Promise<CommandResult>;
  /** Stops whatever this runtime still has running; safe to call twice. */
  close(): Promise<void>;
}
