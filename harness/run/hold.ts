// Guests kept running after their test (--keep, --shell-on-fail) so a developer can look inside: each is recorded in
// <run>/held/boot-N.json for `cxl-harness shell` and `cxl-harness stop`, and powered off when the run is told to end.
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HarnessError, EXIT } from '../common/errors.ts';
import type { Booted } from './boot.ts';

export interface HeldGuest {
  /** The harness process holding the guest: `stop` signals it. */
  pid: number;
  boot: number;
  test: string;
  port: number;
  /** The run's private key (the boot folder's id_ed25519) and the host key the guest announced. */
  key: string;
  hostKey: string;
}

export const HOLD_DIR = 'held';

export class Holds {
  private readonly held: { booted: Booted; record: HeldGuest; runDir: string }[] = [];

  constructor(private readonly log: (line: string) => void) {}

  get count(): number {
    return this.held.length;
  }

  /** `runDir`: the run's artifacts folder, which holds boot-N/ with the run's SSH key. */
  async hold(booted: Booted, runDir: string, boot: number, test: string): Promise<void> {
    const record: HeldGuest = { pid: process.pid, boot, test, port: booted.port, key: join(runDir, `boot-${boot}`, 'id_ed25519'), hostKey: booted.hostKey };
    this.held.push({ booted, record, runDir });
    await mkdir(join(runDir, HOLD_DIR), { recursive: true });
    await writeFile(join(runDir, HOLD_DIR, `boot-${boot}.json`), JSON.stringify(record, null, 2));
    this.log(`  guest of boot #${boot} kept (${test}): cxl-harness shell ${runDir} --boot ${boot}`);
  }

  /** Waits until `signal` aborts (Ctrl-C, SIGTERM from `cxl-harness stop`), then powers every held guest off. */
  async waitThenRelease(signal: AbortSignal): Promise<void> {
    const runDir = this.held[0]?.runDir;
    if (!runDir) return;
    this.log(`\n${this.held.length} guest(s) kept running: cxl-harness shell ${runDir} [--boot N]; end with Ctrl-C or cxl-harness stop ${runDir}`);
    if (!signal.aborted) await new Promise((go) => signal.addEventListener('abort', go, { once: true }));
    await this.release();
  }

  async release(): Promise<void> {
    for (const h of this.held.splice(0)) {
      await h.booted.shutdown();
      await rm(join(h.runDir, HOLD_DIR, `boot-${h.record.boot}.json`), { force: true });
    }
  }
}

/** The guests a run folder says are held, checked to still belong to a live harness process. */
export async function heldGuests(runDir: string): Promise<HeldGuest[]> {
  const dir = join(runDir, HOLD_DIR);
  const names = await readdir(dir).catch(() => []);
  const all = await Promise.all(names.filter((n) => /^boot-\d+\.json$/.test(n)).map(async (n) => JSON.parse(await readFile(join(dir, n), 'utf8')) as HeldGuest));
  const live = all.filter((g) => isHarness(g.pid));
  if (!live.length) {
    throw new HarnessError(`${runDir}: no guest is kept running there`, {
      stage: 'input',
      exitCode: EXIT.input,
      details: [all.length ? 'the run that kept them has ended' : `no ${HOLD_DIR}/boot-N.json: start the run with --keep or --shell-on-fail`],
    });
  }
  return live.sort((a, b) => a.boot - b.boot);
}

/** Whether `pid` is a running cxl-harness: a pid reused by another program is never signalled. */
export function isHarness(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return /cxl-harness|harness\/main/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
  } catch {
    return false;
  }
}
