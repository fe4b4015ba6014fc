// Writes a report in the formats asked for: the report itself as JSON, JUnit XML, TAP 14 and KCIDB I/O JSON.
import { writeFile } from 'node:fs/promises';
import { HarnessError } from '../common/errors.ts';
import { toJUnit } from './junit.ts';
import { toKcidb } from './kcidb.ts';
import { toTap } from './tap.ts';
import type { RunReport } from './types.ts';

export interface OutputFiles {
  json?: string;
  junit?: string;
  tap?: string;
  kcidb?: string;
}

const FORMATS: Record<keyof OutputFiles, (r: RunReport) => string> = {
  json: (r) => `${JSON.stringify(r, null, 2)}\n`,
  junit: toJUnit,
  tap: toTap,
  kcidb: (r) => `${JSON.stringify(toKcidb(r), null, 2)}\n`,
};

export async function writeOutputs(r: RunReport, files: OutputFiles): Promise<void> {
  for (const [format, render] of Object.entries(FORMATS) as [keyof OutputFiles, (r: RunReport) => string][]) {
    const file = files[format];
    if (file === undefined) continue;
    await writeFile(file, render(r)).catch((err: unknown) => {
      throw new HarnessError(`cannot write the ${format} report to ${file}`, { stage: 'report', cause: err });
    });
  }
}
