// Runs the harness the way a user does (its bin entry), for end-to-end tests.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { RunReport } from '../../harness/report/types.ts';

export const BIN = new URL('../../harness/main.js', import.meta.url).pathname;

export interface HarnessResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  report?: RunReport;
  /** The folder with report.json (given as --json) and the artifacts. */
  dir: string;
}

/** `cxl-harness run ARGS --json F --artifacts D`; `command` other than run is passed as is. */
export async function harness(args: string[], command = 'run'): Promise<HarnessResult> {
  const dir = await mkdtemp(join(tmpdir(), 'cxl-harness-e2e-'));
  const json = join(dir, 'report.json');
  const extra = command === 'run' ? ['--json', json, '--artifacts', join(dir, 'artifacts')] : [];
  const r = await execa(BIN, [command, ...args, ...extra], { reject: false, all: true });
  const report = await readFile(json, 'utf8').then((t) => JSON.parse(t) as RunReport, () => undefined);
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr, dir, ...(report ? { report } : {}) };
}

export const fixture = (name: string) => new URL(`../fixtures/e2e/${name}`, import.meta.url).pathname;
export const scenario = (path: string) => new URL(`../../scenarios/${path}`, import.meta.url).pathname;
