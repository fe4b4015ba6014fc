// The hand-written reports under test/fixtures/report: raw (for refusal tests) or validated.
import { readFile } from 'node:fs/promises';
import type { RunReport } from '../../../harness/report/types.ts';
import { validateReport } from '../../../harness/report/validate.ts';

export const fixturePath = (name: string) => new URL(`../../fixtures/report/${name}`, import.meta.url).pathname;

// Raw JSON is edited into malformed shapes by the tests, so it cannot be typed as RunReport.
export async function raw(name: string): Promise<any> {
  return JSON.parse(await readFile(fixturePath(name), 'utf8'));
}

export async function report(name: string): Promise<RunReport> {
  return validateReport(await raw(name));
}
