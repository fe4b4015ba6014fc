// toJUnit read back with junit2json (xml2js, strict sax): suites, counts, names, failure texts and the console slice, against the fixture.
import test from 'ava';
import fc from 'fast-check';
import { parse, type TestCase, type TestSuites } from 'junit2json';
import { toJUnit } from '../../../harness/report/junit.ts';
import type { RunReport, TestReport } from '../../../harness/report/types.ts';
import { report } from './fixture.ts';

/** XML 1.0 §2.2 Char: what a well-formed document may contain. */
const NOT_XML_CHAR = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

const read = async (r: RunReport) => (await parse(toJUnit(r))) as TestSuites;
const byVerdict = (tests: TestReport[], ...v: string[]) => tests.filter((t) => v.includes(t.verdict)).length;

async function caseOf(r: RunReport, id: string): Promise<{ t: TestReport; c: TestCase }> {
  const t = r.tests.find((x) => x.id === id)!;
  const suite = (await read(r)).testsuite!.find((s) => s.name === `${t.kernel}/${t.topology}`)!;
  return { t, c: suite.testcase!.find((c) => c.name === `${t.scenario}[${t.variant}]`)! };
}

test('one suite per kernel × topology, with the fixture\'s counts', async (t) => {
  const r = await report('full.json');
  const doc = await read(r);
  const pairs = [...new Set(r.tests.map((x) => `${x.kernel}/${x.topology}`))];
  t.deepEqual(doc.testsuite!.map((s) => s.name), pairs);
  for (const s of doc.testsuite!) {
    const mine = r.tests.filter((x) => `${x.kernel}/${x.topology}` === s.name);
    t.is(s.tests, mine.length);
    t.is(s.failures, byVerdict(mine, 'fail', 'gap'));
    t.is(s.errors, byVerdict(mine, 'error'));
    t.is(s.skipped, byVerdict(mine, 'n/a'));
    t.is(s.testcase!.length, mine.length);
  }
  t.is(doc.tests, r.tests.length);
  t.is(doc.failures, byVerdict(r.tests, 'fail', 'gap'));
  t.is(doc.errors, byVerdict(r.tests, 'error'));
});

test('class names keep kernel and topology apart: their own dots and slashes become underscores', async (t) => {
  const doc = await read(await report('full.json'));
  const names = doc.testsuite!.flatMap((s) => s.testcase!.map((c) => c.classname));
  t.deepEqual([...new Set(names)], ['debian:7_2.default', 'src:debian:7_2.default', 'src:debian:7_2.two-way']);
});

test('a kernel failure names the step, its state differences and the kernel lines', async (t) => {
  const { t: fail, c } = await caseOf(await report('full.json'), 'debian:7.2/default/stock-kmem[online_movable]');
  t.is(c.time, 16.034); // 13900 + 790 + 144 + 1200 ms
  const [failure] = c.failure!;
  t.is(failure!.type, 'kernel');
  const ff = fail.firstFailure!;
  t.true(failure!.message!.startsWith(`step ${ff.step} "${ff.name}": expected ok, observed ENXIO`), failure!.message);
  for (const f of ff.findings) t.true(failure!.message!.includes(`${f.key}: expected "${f.expected}", observed ${f.observed === undefined ? '(absent)' : `"${f.observed}"`}`), f.key);
  for (const line of ff.trouble) t.true(failure!.message!.includes(line), line);
  t.true(failure!.inner!.includes(fail.bundle!.path));
});

test('the console slice holds each step\'s dmesg, control characters written out', async (t) => {
  const { t: fail, c } = await caseOf(await report('full.json'), 'debian:7.2/default/stock-kmem[online_movable]');
  const out = c['system-out']!.join('\n');
  for (const s of fail.steps) t.is(out.includes(`# step ${s.index} "${s.name}"`), s.dmesg.length > 0);
  for (const line of fail.steps.flatMap((s) => s.dmesg).filter((l) => !NOT_XML_CHAR.test(l))) t.true(out.includes(line), line);
  t.true(out.includes('[   52.118801] \\x1b[1mbold console noise\\x1b[0m and a \\x01 control byte'));
});

test('a model gap is a failure of type model-gap giving the model\'s reason', async (t) => {
  const { t: gap, c } = await caseOf(await report('full.json'), 'src:debian:7.2/default/series-sysram-offline[default]');
  t.is(c.failure![0]!.type, 'model-gap');
  t.true(c.failure![0]!.message!.includes(gap.steps[1]!.expected.gap!));
  t.is(c.error, undefined);
});

test('a harness error is an <error> carrying the error text; n/a is skipped with its reason; a pass is bare', async (t) => {
  const r = await report('full.json');
  const { t: err, c: errored } = await caseOf(r, 'src:debian:7.2/two-way/negative-binding[default]');
  t.is(errored.failure, undefined);
  for (const line of err.error!.split('\n')) t.true(errored.error![0]!.message!.includes(line), line);
  const { t: na, c: skipped } = await caseOf(r, 'debian:7.2/default/series-sysram-offline[default]');
  t.is(skipped.skipped![0]!.message, na.reason);
  const { c: passed } = await caseOf(r, 'src:debian:7.2/two-way/stock-kmem[offline]');
  t.deepEqual([passed.failure, passed.error, passed.skipped, passed['system-out']], [undefined, undefined, undefined, undefined]);
});

test('the document holds only characters XML 1.0 allows, and no raw newline or tab inside a tag', async (t) => {
  const xml = toJUnit(await report('full.json'));
  t.false(NOT_XML_CHAR.test(xml));
  // XML 1.0 §3.3.3 turns them into spaces in attribute values; ">" is escaped everywhere else, so it only closes tags.
  for (const tag of xml.match(/<[^>]*>/g)!) t.false(/[\n\t]/.test(tag), tag);
});

test('any text survives: XML-valid strings come back exactly, others still parse', async (t) => {
  const base = await report('full.json');
  const fail = base.tests.find((x) => x.verdict === 'fail')!;
  const na = base.tests.find((x) => x.verdict === 'n/a')!;
  const anyUnit = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) });
  await fc.assert(
    fc.asyncProperty(anyUnit, anyUnit, anyUnit, async (scenario, reason, line) => {
      const r: RunReport = {
        ...base,
        tests: [
          { ...fail, scenario, steps: fail.steps.map((s) => ({ ...s, dmesg: [line] })), firstFailure: { ...fail.firstFailure!, trouble: [line] } },
          { ...na, reason },
        ],
      };
      const xml = toJUnit(r);
      if (NOT_XML_CHAR.test(xml)) return false;
      // No attribute processors: numeric-looking text stays text.
      const doc = (await parse(xml, {})) as TestSuites;
      const [failed, skipped] = doc.testsuite!.flatMap((s) => s.testcase!);
      // Each string on its own: a lone high and a lone low surrogate concatenated would pass as one valid pair.
      if ([scenario, reason, line].some((s) => NOT_XML_CHAR.test(s))) return true;
      return failed!.name === `${scenario}[${fail.variant}]` && skipped!.skipped![0]!.message === reason && failed!.failure![0]!.message!.includes(`kernel: ${line}`);
    }),
    { numRuns: 300 },
  );
  t.pass();
});
