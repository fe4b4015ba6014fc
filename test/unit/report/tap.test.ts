// toTap read back with tap-parser: plan, counts, ok/skip per test and the YAML diagnostics, against the fixture.
import test from 'ava';
import { Parser, type FinalResults, type Result } from 'tap-parser';
import { toTap } from '../../../harness/report/tap.ts';
import type { RunReport } from '../../../harness/report/types.ts';
import { report } from './fixture.ts';

async function read(r: RunReport): Promise<{ results: FinalResults; points: Result[] }> {
  const points: Result[] = [];
  const results = await new Promise<FinalResults>((done) => {
    const p = new Parser({ strict: true }, done);
    p.on('assert', (a: Result) => points.push(a));
    p.end(toTap(r));
  });
  return { results, points };
}

test('a test point per test, in order, named by id; n/a is ok with SKIP and its reason on one line', async (t) => {
  const r = await report('full.json');
  const { results, points } = await read(r);
  t.is(results.plan.end, r.tests.length);
  t.deepEqual(points.map((p) => p.name), r.tests.map((x) => x.id));
  t.deepEqual(points.map((p) => p.ok), r.tests.map((x) => x.verdict === 'pass' || x.verdict === 'n/a'));
  const na = r.tests.filter((x) => x.verdict === 'n/a');
  t.is(results.skip, na.length);
  t.deepEqual(results.skips.map((s) => s.skip), na.map((x) => x.reason!.replace(/\s+/g, ' ')));
  t.is(results.fail, r.tests.filter((x) => ['fail', 'gap', 'error'].includes(x.verdict)).length);
});

test('a kernel failure\'s diagnostic gives the step, expected, observed, findings and kernel lines', async (t) => {
  const r = await report('full.json');
  const { points } = await read(r);
  const fail = r.tests.find((x) => x.verdict === 'fail')!;
  const diag = points.find((p) => p.name === fail.id)!.diag;
  const ff = fail.firstFailure!;
  t.is(diag.verdict, 'fail');
  t.deepEqual(diag.step, { index: ff.step, name: ff.name });
  t.is(diag.expected, ff.expected!.join(' or '));
  t.is(diag.observed, ff.observed);
  t.is(diag.findings.length, ff.findings.length);
  ff.findings.forEach((f, i) => t.true(diag.findings[i].startsWith(`${f.key}: `) && diag.findings[i].includes(`"${f.expected}"`)));
  t.deepEqual(diag.trouble, ff.trouble);
  t.is(diag.artifacts, fail.artifacts);
});

test('a gap\'s diagnostic gives the model\'s reason; an error\'s gives the error text', async (t) => {
  const r = await report('full.json');
  const { points } = await read(r);
  const gap = r.tests.find((x) => x.verdict === 'gap')!;
  t.is(points.find((p) => p.name === gap.id)!.diag.gap, gap.steps.find((s) => s.index === gap.firstFailure!.step)!.expected.gap);
  const error = r.tests.find((x) => x.verdict === 'error')!;
  const diag = points.find((p) => p.name === error.id)!.diag;
  t.is(diag.verdict, 'error');
  t.is(diag.error, error.error);
  for (const p of points.filter((x) => x.ok)) t.falsy(p.diag);
});

test('a run-level error bails out with its first line', async (t) => {
  const r = await report('full.json');
  const { results } = await read(r);
  t.is(results.bailout, r.error!.split('\n')[0]!);
  t.is((await read({ ...r, error: undefined })).results.bailout, false);
});

test('"#" and "\\" in an id are escaped so the name reads back whole', async (t) => {
  const r = await report('run.json');
  const odd = { ...r.tests[0]!, id: 'debian:7.2/default/odd#name\\x[default]' };
  const { points } = await read({ ...r, tests: [odd] });
  t.is(points[0]!.name, odd.id);
  t.is(points[0]!.skip, false);
});

test('an empty run is a valid plan of nothing', async (t) => {
  const r = await report('run.json');
  const { results } = await read({ ...r, tests: [] });
  t.true(results.ok);
  t.is(results.count, 0);
});
