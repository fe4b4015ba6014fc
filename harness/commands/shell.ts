// `cxl-harness shell RUN_DIR`: a shell (or one command) in a guest a run keeps running (--keep, --keep-failed).
import { readFile } from 'node:fs/promises';
import { inputError } from '../common/errors.ts';
import { GuestSession } from '../guest/session.ts';
import { heldGuests } from '../run/hold.ts';
import { parseOptions } from './options.ts';
import type { Command } from './types.ts';

const USAGE = `usage: cxl-harness shell RUN_DIR [--boot N] [-- COMMAND ...]
  Opens a root shell in a guest that a run started with --keep or --keep-failed is holding, over the run's own
  SSH key and the host key the guest announced (no ssh client needed). With a COMMAND, runs it and exits with
  its status.
  --boot N   which held guest (default: the only one; required when there are several)`;

async function main(argv: string[]): Promise<number> {
  const split = argv.indexOf('--');
  const { values: v, positionals } = parseOptions(split < 0 ? argv : argv.slice(0, split), { boot: { type: 'string' } }, USAGE);
  if (positionals.length !== 1) throw inputError('command line', 'RUN_DIR', positionals.join(' '), `one run folder (printed by the run that keeps the guest)\n${USAGE}`);
  const held = await heldGuests(positionals[0]!);
  const boot = v.boot === undefined ? undefined : Number(v.boot);
  if (boot === undefined && held.length > 1) throw inputError('command line', '--boot', '', `one of ${held.map((g) => g.boot).join(', ')}: this run keeps ${held.length} guests`);
  const g = boot === undefined ? held[0]! : held.find((x) => x.boot === boot);
  if (!g) throw inputError('command line', '--boot', v.boot, `one of ${held.map((x) => x.boot).join(', ')}`);
  const guest = await GuestSession.connect({ port: g.port, privateKey: await readFile(g.key, 'utf8'), hostKey: g.hostKey, timeoutMs: 10_000 });
  try {
    const command = split < 0 ? undefined : argv.slice(split + 1).join(' ');
    if (command === undefined) process.stderr.write(`guest of boot #${g.boot} (${g.test}); exit the shell to leave it running\n`);
    return await guest.attach(command, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
  } finally {
    guest.close();
  }
}

export const shellCommand: Command = { name: 'shell', summary: 'a shell in a guest a run keeps running (--keep, --keep-failed)', usage: USAGE, main };
