// `cxl-harness compare BASE.json HEAD.json`: what changed per test; exits 1 when something regressed.
import { writeFile } from 'node:fs/promises';
import { EXIT, HarnessError, inputError } from '../common/errors.ts';
import { compareReports } from '../report/compare.ts';
import { formatComparison } from '../report/compare-table.ts';
import { loadReport } from '../report/read.ts';
import type { Command } from './types.ts';
import { parseOptions } from './options.ts';

const USAGE = `usage: cxl-harness compare BASE.json HEAD.json [--json FILE]
  Per test: regressed (pass → fail/gap/error, or a kernel failure BASE did not show), fixed,
  changed errno (same verdict, a step's observed result differs), still failing, new, gone.
  When each report has one kernel the other lacks (base kernel vs base + series), their tests
  are matched on <topology>/<scenario>[<variant>]; otherwise on the full test id.
  Exit code: 1 when something regressed, else 0.
  --json FILE   the comparison as JSON`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions(argv, { json: { type: 'string' } }, USAGE);
  if (positionals.length !== 2) throw inputError('command line', 'reports', positionals.join(' '), `exactly two: BASE.json HEAD.json\n${USAGE}`);
  const [base, head] = await Promise.all(positionals.map(loadReport));
  const comparison = compareReports(base!, head!);
  process.stdout.write(`${formatComparison(comparison)}\n`);
  if (values.json !== undefined) {
    const file = values.json;
    await writeFile(file, `${JSON.stringify(comparison, null, 2)}\n`).catch((err: unknown) => {
      throw new HarnessError(`cannot write the comparison to ${file}`, { stage: 'report', cause: err });
    });
  }
  return comparison.regressed ? EXIT.kernel : EXIT.pass;
}

export const compareCommand: Command = { name: 'compare', summary: 'compare two reports test by test (regressed, fixed, …)', usage: USAGE, main };
