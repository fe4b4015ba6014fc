// Every subcommand, in the order `cxl-harness --help` lists them.
import type { Command } from './types.ts';
import { runCommand } from './run.ts';
import { mergeCommand } from './merge.ts';
import { compareCommand } from './compare.ts';
import { coverageCommand } from './coverage.ts';
import { topologyCommand } from './topology.ts';

export const COMMANDS: Command[] = [runCommand, topologyCommand, coverageCommand, mergeCommand, compareCommand];
