// Opens the runtime a run asked for: the host's processes, or containers of the harness image (--runtime docker).
// The Docker runtime (dockerode and its dependencies) is loaded only when asked for: every run's start pays for it otherwise.
import type { DockerRuntimeOptions } from './docker.ts';
import { HostRuntime } from './host.ts';
import type { Runtime } from './types.ts';

export const RUNTIME_NAMES = ['host', 'docker'] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];

export function isRuntimeName(s: string): s is RuntimeName {
  return (RUNTIME_NAMES as readonly string[]).includes(s);
}

export async function openRuntime(name: RuntimeName, log: (line: string) => void, o: DockerRuntimeOptions = {}): Promise<Runtime> {
  if (name === 'host') return new HostRuntime();
  const { DockerRuntime } = await import('./docker.ts');
  return DockerRuntime.open(log, o);
}
