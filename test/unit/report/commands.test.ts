// The merge and compare subcommands end to end on fixture files: exit codes, written files read back, usage errors.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { parse, type TestSuites } from 'junit2json';
import { Parser, type FinalResults } from 'tap-parser';
import { compareCommand } from '../../../harness/commands/compare.ts';
import { mergeCommand } from '../../../harness/commands/merge.ts';
import { HarnessError } from '../../../harness/common/errors.ts';
import { validateReport } from '../../../harness/report/validate.ts';
import { fixturePath, report } from './fixture.ts';

/** Runs a command with stdout and stderr captured (tests here are serial: the streams are process-wide). */
async function run(main: (argv: string[]) => Promise<number>, argv: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const [stdout, stderr] = [process.stdout.write, process.stderr.write];
  process.stdout.write = ((s: string) => out.push(s) > 0) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    return { code: await main(argv), out: out.join('') };
  } finally {
    [process.stdout.write, process.stderr.write] = [stdout, stderr];
  }
}

const tap = (text: string) => new Promise<FinalResults>((done) => new Parser(done).end(text));

test.serial('merge writes every format and exits with the merged exit code', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cxl-merge-'));
  const f = (name: string) => join(dir, name);
  const { code } = await run(mergeCommand.main, [fixturePath('shard-1.json'), fixturePath('shard-2.json'), '--json', f('r.json'), '--junit', f('r.xml'), '--tap', f('r.tap'), '--kcidb', f('k.json')]);
  const whole = await report('run.json');
  t.is(code, whole.exitCode);
  const merged = validateReport(JSON.parse(await readFile(f('r.json'), 'utf8')));
  t.deepEqual(merged.tests.map((x) => x.id), whole.tests.map((x) => x.id));
  t.is(((await parse(await readFile(f('r.xml'), 'utf8'))) as TestSuites).tests, whole.tests.length);
  t.is((await tap(await readFile(f('r.tap'), 'utf8'))).count, whole.tests.length);
  t.is(JSON.parse(await readFile(f('k.json'), 'utf8')).tests.length, whole.tests.length);
  await rm(dir, { recursive: true });
});

test.serial('merge without --json prints the report; --doc-strict turns a doc mismatch into exit 6', async (t) => {
  const { code, out } = await run(mergeCommand.main, [fixturePath('shard-1.json'), '--doc-strict']);
  t.is(code, 6);
  t.is(validateReport(JSON.parse(out)).exitCode, 6);
});

test.serial('merge refuses an unknown option and no reports, showing the usage', async (t) => {
  for (const argv of [['--jsn', 'x', fixturePath('run.json')], []]) {
    const err = await t.throwsAsync(run(mergeCommand.main, argv), { instanceOf: HarnessError });
    t.is(err!.exitCode, 2);
    t.true(err!.message.includes('usage: cxl-harness merge'));
  }
});

test.serial('compare exits 1 on a regression and prints the table; --json writes the comparison', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cxl-compare-'));
  const { code, out } = await run(compareCommand.main, [fixturePath('base.json'), fixturePath('head.json'), '--json', join(dir, 'c.json')]);
  t.is(code, 1);
  t.true(out.includes('regressed (3)'));
  const written = JSON.parse(await readFile(join(dir, 'c.json'), 'utf8'));
  t.true(written.regressed);
  t.is(written.tests.length, 11);
  await rm(dir, { recursive: true });
});

test.serial('compare exits 0 when nothing regressed, and needs exactly two reports', async (t) => {
  t.is((await run(compareCommand.main, [fixturePath('head.json'), fixturePath('head.json')])).code, 0);
  const err = await t.throwsAsync(run(compareCommand.main, [fixturePath('head.json')]), { instanceOf: HarnessError });
  t.is(err!.exitCode, 2);
});

test.serial('a missing or malformed report file is bad input naming the file', async (t) => {
  const missing = await t.throwsAsync(run(compareCommand.main, ['/nonexistent/base.json', fixturePath('head.json')]), { instanceOf: HarnessError });
  t.true(missing!.message.startsWith('/nonexistent/base.json: '));
  const notJson = await t.throwsAsync(run(mergeCommand.main, [fixturePath('../series/does-not-apply.patch')]), { instanceOf: HarnessError });
  t.true(notJson!.message.endsWith('does-not-apply.patch: not JSON'));
  const notReport = await t.throwsAsync(run(mergeCommand.main, [fixturePath('../kcidb/emitted-v4.schema.json')]), { instanceOf: HarnessError });
  t.true(notReport!.message.endsWith('emitted-v4.schema.json: not a valid run report (schema version 1)'));
  t.is(notReport!.exitCode, 2);
});
