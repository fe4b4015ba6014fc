// Runs the harness the way a user does (its bin entry), for end-to-end tests.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { RunReport } from '../../harness/report/types.ts';

const BIN = new URL('../../harness/main.js', import.meta.url).pathname;

export async function harness(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string; report?: RunReport }> {
  const dir = await mkdtemp(join(tmpdir(), 'cxl-harness-e2e-'));
  const json = join(dir, 'report.json');
  const r = await execa(BIN, ['run', ...args, '--json', json, '--artifacts', join(dir, 'artifacts')], { reject: false, all: true });
  const report = await readFile(json, 'utf8').then((t) => JSON.parse(t) as RunReport, () => undefined);
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr, ...(report ? { report } : {}) };
}

export const fixture = (name: string) => new URL(`../fixtures/e2e/${name}`, import.meta.url).pathname;
export const scenario = (path: string) => new URL(`../../scenarios/${path}`, import.meta.url).pathname;
