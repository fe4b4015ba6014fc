// Every subcommand, in the order `cxl-harness --help` lists them, loaded only when used: a run does not pay for
// loading the other commands' modules.
import type { Command } from './types.ts';

const LOADERS: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./run.ts')).runCommand,
  replay: async () => (await import('./replay.ts')).replayCommand,
  shell: async () => (await import('./shell.ts')).shellCommand,
  stop: async () => (await import('./stop.ts')).stopCommand,
  topology: async () => (await import('./topology.ts')).topologyCommand,
  coverage: async () => (await import('./coverage.ts')).coverageCommand,
  merge: async () => (await import('./merge.ts')).mergeCommand,
  compare: async () => (await import('./compare.ts')).compareCommand,
};

export function loadCommand(name: string): Promise<Command> | undefined {
  return Object.hasOwn(LOADERS, name) ? LOADERS[name]!() : undefined;
}

export function loadCommands(): Promise<Command[]> {
  return Promise.all(Object.values(LOADERS).map((load) => load()));
}
