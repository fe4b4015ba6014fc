// Opens the runtime a run asked for: the host's processes, or containers of the harness image (--runtime docker).
import { DockerRuntime, type DockerRuntimeOptions } from './docker.ts';
import { HostRuntime } from './host.ts';
import type { Runtime } from './types.ts';

export const RUNTIME_NAMES = ['host', 'docker'] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];

export function isRuntimeName(s: string): s is RuntimeName {
  return (RUNTIME_NAMES as readonly string[]).includes(s);
}

export async function openRuntime(name: RuntimeName, log: (line: string) => void, o: DockerRuntimeOptions = {}): Promise<Runtime> {
  return name === 'docker' ? DockerRuntime.open(log, o) : new HostRuntime();
}
