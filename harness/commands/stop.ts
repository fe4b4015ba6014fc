// `cxl-harness stop RUN_DIR`: tells the run keeping guests (--keep, --keep-failed) to power them off and exit.
import { inputError } from '../common/errors.ts';
import { heldGuests } from '../run/hold.ts';
import { parseOptions } from './options.ts';
import type { Command } from './types.ts';

const USAGE = `usage: cxl-harness stop RUN_DIR
  Sends SIGTERM to the harness process that keeps RUN_DIR's guests running (checked to be a cxl-harness); it
  powers them off and exits with the run's own exit code.`;

async function main(argv: string[]): Promise<number> {
  const { positionals } = parseOptions(argv, {}, USAGE);
  if (positionals.length !== 1) throw inputError('command line', 'RUN_DIR', positionals.join(' '), `one run folder\n${USAGE}`);
  const pids = [...new Set((await heldGuests(positionals[0]!)).map((g) => g.pid))];
  for (const pid of pids) process.kill(pid, 'SIGTERM');
  process.stderr.write(`asked cxl-harness (pid ${pids.join(', ')}) to power off its kept guests\n`);
  return 0;
}

export const stopCommand: Command = { name: 'stop', summary: 'power off the guests a run keeps running', usage: USAGE, main };
