// Reading reports given on the command line: JSON from a file, then validated, every problem naming the file.
import { readFile } from 'node:fs/promises';
import { HarnessError } from '../common/errors.ts';
import type { RunReport } from './types.ts';
import { validateReport } from './validate.ts';

/** A report as read from a file, before validation. */
export interface ReportFile {
  file: string;
  data: unknown;
}

export async function readReportFile(file: string): Promise<ReportFile> {
  const text = await readFile(file, 'utf8').catch((err: unknown) => {
    throw new HarnessError(`${file}: cannot read the report`, { stage: 'input', cause: err });
  });
  try {
    return { file, data: JSON.parse(text) as unknown };
  } catch (err) {
    throw new HarnessError(`${file}: not JSON`, { stage: 'input', cause: err });
  }
}

/** A report the user handed in that does not validate is bad input (exit 2), not a harness failure. */
export function asReport(r: ReportFile): RunReport {
  try {
    return validateReport(r.data);
  } catch (err) {
    if (err instanceof HarnessError) throw new HarnessError(`${r.file}: ${err.message}`, { stage: 'input', details: err.details });
    throw err;
  }
}

export async function loadReport(file: string): Promise<RunReport> {
  return asReport(await readReportFile(file));
}
