// mergeReports: two shards of run.json merge back into its tests, verdicts and boots; mixed or overlapping inputs are refused.
import test, { type ExecutionContext } from 'ava';
import { HarnessError } from '../../../harness/common/errors.ts';
import { mergeReports } from '../../../harness/report/merge.ts';
import type { RunReport, TestReport } from '../../../harness/report/types.ts';
import { validateReport } from '../../../harness/report/validate.ts';
import { raw, report } from './fixture.ts';

const shards = async () => [
  { file: 'shard-1.json', data: await raw('shard-1.json') },
  { file: 'shard-2.json', data: await raw('shard-2.json') },
];

/** What a test ran on, independent of how boots are numbered. */
const bootOf = (r: RunReport, t: TestReport) => {
  const b = r.boots.find((x) => x.index === t.boot);
  return b && { kernel: b.kernel, topology: b.topology, cmdline: b.cmdline, start: b.start };
};

test('merging the shards gives the unsharded run\'s test ids, verdicts, run verdict and exit code', async (t) => {
  const whole = await report('run.json');
  const merged = mergeReports(await shards(), { docStrict: false });
  t.deepEqual(merged.tests.map((x) => [x.id, x.verdict]), whole.tests.map((x) => [x.id, x.verdict]));
  t.is(merged.verdict, whole.verdict);
  t.is(merged.exitCode, whole.exitCode);
  t.deepEqual(merged.kernels, whole.kernels);
  t.deepEqual(merged.topologies.map((x) => x.name).sort(), whole.topologies.map((x) => x.name).sort());
});

test('boots are renumbered 1..n and every test still points at the boot it ran on', async (t) => {
  const whole = await report('run.json');
  const merged = mergeReports(await shards(), { docStrict: false });
  t.deepEqual(merged.boots.map((b) => b.index), whole.boots.map((b) => b.index));
  for (const x of merged.tests) t.deepEqual(bootOf(merged, x), bootOf(whole, whole.tests.find((w) => w.id === x.id)!), x.id);
});

test('the merged report is a valid report without a shard, spanning both shards\' time', async (t) => {
  const merged = mergeReports(await shards(), { docStrict: false });
  t.notThrows(() => validateReport(merged));
  t.false('shard' in merged);
  t.is(merged.startedAt, '2026-11-24T10:00:00.000Z');
  // Shard 1: 10:00:00 for 60 s; shard 2: 10:00:30 for 45 s; together 10:00:00 to 10:01:15.
  t.is(merged.timings.totalMs, 75_000);
  t.is(merged.artifacts, 'artifacts');
});

test('--doc-strict: a documentation mismatch decides the exit code only when nothing worse happened', async (t) => {
  const [one, two] = await shards();
  t.is(mergeReports([one!], { docStrict: true }).exitCode, 6);
  t.is(mergeReports([one!, two!], { docStrict: true }).exitCode, 5);
});

test('run-level errors are kept, each naming its shard, and make the run an error', async (t) => {
  const [one, two] = await shards();
  two!.data.error = '[boot] QEMU exited with status 1';
  const merged = mergeReports([one!, two!], { docStrict: false });
  t.is(merged.error, 'shard-2.json: [boot] QEMU exited with status 1');
  t.is(merged.verdict, 'error');
  t.is(merged.exitCode, 4);
});

function refused(t: ExecutionContext, inputs: { file: string; data: unknown }[], ...names: string[]): void {
  const err = t.throws(() => mergeReports(inputs, { docStrict: false }), { instanceOf: HarnessError });
  t.is(err!.stage, 'input');
  t.is(err!.exitCode, 2);
  for (const n of names) t.true(err!.message.includes(n), `${err!.message} names ${n}`);
}

test('refused: reports of two schema versions, naming both files', async (t) => {
  const [one, two] = await shards();
  two!.data.schemaVersion = 2;
  refused(t, [one!, two!], 'shard-1.json', 'shard-2.json', 'schema version');
});

test('refused: the same test in two reports, naming both files', async (t) => {
  const [one] = await shards();
  refused(t, [one!, { file: 'copy.json', data: structuredClone(one!.data) }], 'shard-1.json', 'copy.json', 'debian:7.2/default/');
});

test('refused: one topology name with two hashes', async (t) => {
  const [one, two] = await shards();
  two!.data.topologies.find((x: { name: string }) => x.name === 'default').hash = 'ffffffffffffffff';
  refused(t, [one!, two!], 'shard-1.json', 'shard-2.json', 'topology "default"');
});

test('refused: one kernel spec that resolved to two releases', async (t) => {
  const [one, two] = await shards();
  two!.data.kernels[0].release = '7.2.14+deb14-amd64';
  refused(t, [one!, two!], 'shard-1.json', 'shard-2.json', 'kernel "debian:7.2"');
});

test('refused: two harness versions', async (t) => {
  const [one, two] = await shards();
  two!.data.harness.version = '0.2.0';
  refused(t, [one!, two!], 'shard-1.json', 'shard-2.json', 'harness version');
});

test('refused: an invalid report, naming its file and the path', async (t) => {
  const [one, two] = await shards();
  two!.data.tests[0].verdict = 'passed';
  const err = t.throws(() => mergeReports([one!, two!], { docStrict: false }), { instanceOf: HarnessError });
  t.true(err!.message.startsWith('shard-2.json: '));
  t.is(err!.exitCode, 2);
  t.true(err!.details.some((d) => d.startsWith('/tests/0/verdict')));
});

test('refused: nothing to merge', (t) => {
  refused(t, [], 'at least one');
});
