// `cxl-harness merge`: shard reports → one report (and its JUnit, TAP, KCIDB forms); exits with the merged exit code.
import { inputError } from '../common/errors.ts';
import { mergeReports } from '../report/merge.ts';
import { readReportFile } from '../report/read.ts';
import { writeOutputs } from '../report/write.ts';
import type { Command } from './types.ts';
import { parseOptions } from './options.ts';

const USAGE = `usage: cxl-harness merge REPORT.json... [options]
  Merges the reports of a sharded run (--shard i/N) into one: tests sorted by id, boots renumbered,
  verdict and exit code recomputed. Refuses reports of different schema or harness versions, a test
  in two reports, and a topology name with two different machines behind it.
  --json FILE      the merged report (default: standard output)
  --junit FILE     the merged report as JUnit XML
  --tap FILE       the merged report as TAP version 14
  --kcidb FILE     the merged report as KCIDB I/O JSON (schema v4)
  --doc-strict     a documentation mismatch makes the exit code 6`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions(
    argv,
    { json: { type: 'string' }, junit: { type: 'string' }, tap: { type: 'string' }, kcidb: { type: 'string' }, 'doc-strict': { type: 'boolean', default: false } },
    USAGE,
  );
  if (!positionals.length) throw inputError('command line', 'REPORT.json', '', `at least one report to merge\n${USAGE}`);
  const { 'doc-strict': docStrict, ...files } = values;
  const merged = mergeReports(await Promise.all(positionals.map(readReportFile)), { docStrict });
  await writeOutputs(merged, files);
  if (files.json === undefined) process.stdout.write(`${JSON.stringify(merged, null, 2)}\n`);
  const count = (verdict: string) => merged.tests.filter((t) => t.verdict === verdict).length;
  process.stderr.write(
    `merged ${positionals.length} reports: ${merged.tests.length} tests (${count('pass')} pass, ${count('fail')} fail, ${count('gap')} gap, ${count('error')} error, ${count('n/a')} n/a); verdict ${merged.verdict}, exit ${merged.exitCode}\n`,
  );
  return merged.exitCode;
}

export const mergeCommand: Command = { name: 'merge', summary: 'merge the reports of a sharded run into one', usage: USAGE, main };
