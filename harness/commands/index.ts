// Every subcommand, in the order `cxl-harness --help` lists them.
import type { Command } from './types.ts';
import { runCommand } from './run.ts';
import { mergeCommand } from './merge.ts';
import { compareCommand } from './compare.ts';
import { coverageCommand } from './coverage.ts';
import { topologyCommand } from './topology.ts';
import { replayCommand } from './replay.ts';
import { shellCommand } from './shell.ts';
import { stopCommand } from './stop.ts';

export const COMMANDS: Command[] = [runCommand, replayCommand, shellCommand, stopCommand, topologyCommand, coverageCommand, mergeCommand, compareCommand];
