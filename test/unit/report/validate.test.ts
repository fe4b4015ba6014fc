// validateReport: the complete fixture (every optional field present) passes; broken variants are refused naming the path.
import test from 'ava';
import { HarnessError } from '../../../harness/common/errors.ts';
import schema from '../../../harness/report/report.schema.json' with { type: 'json' };
import { validateReport } from '../../../harness/report/validate.ts';
import { raw } from './fixture.ts';

type Json = any;

/** Every property path the schema declares ("tests.*.steps.*.doc.says"), following $ref and oneOf branches. */
function declared(node: Json, at: string, out: Set<string>): Set<string> {
  const resolved = node.$ref ? (schema.$defs as Json)[node.$ref.replace('#/$defs/', '')] : node;
  for (const branch of resolved.oneOf ?? []) declared(branch, at, out);
  for (const [key, sub] of Object.entries(resolved.properties ?? {})) {
    const path = at ? `${at}.${key}` : key;
    out.add(path);
    declared(sub, path, out);
  }
  if (resolved.items) declared(resolved.items, `${at}.*`, out);
  return out;
}

/** Every property path present in a JSON value. */
function present(value: Json, at: string, out: Set<string>): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => present(v, `${at}.*`, out));
  else if (value && typeof value === 'object') {
    for (const [key, sub] of Object.entries(value)) {
      const path = at ? `${at}.${key}` : key;
      out.add(path);
      present(sub, path, out);
    }
  }
  return out;
}

test('the complete fixture validates and comes back as it went in', async (t) => {
  const full = await raw('full.json');
  t.deepEqual(validateReport(structuredClone(full)), full);
});

test('the complete fixture uses every field the schema declares, optional ones included', async (t) => {
  const used = present(await raw('full.json'), '', new Set());
  const missing = [...declared(schema, '', new Set())].filter((p) => !used.has(p));
  t.deepEqual(missing, []);
});

test('every other report fixture validates', async (t) => {
  for (const name of ['run.json', 'shard-1.json', 'shard-2.json', 'base.json', 'head.json']) {
    const r = await raw(name);
    t.notThrows(() => validateReport(r), name);
  }
});

interface Broken {
  title: string;
  edit: (r: Json) => void;
  /** A line of the error's details must start with this. */
  path: string;
}

const broken: Broken[] = [
  { title: 'schemaVersion missing', edit: (r) => delete r.schemaVersion, path: '/: missing "schemaVersion"' },
  { title: 'a later schema version', edit: (r) => (r.schemaVersion = 2), path: '/schemaVersion: 2; this harness reads version 1' },
  { title: 'an unknown verdict', edit: (r) => (r.tests[0].verdict = 'ok'), path: '/tests/0/verdict' },
  { title: 'an unknown step outcome', edit: (r) => (r.tests[1].steps[0].outcome = 'skipped'), path: '/tests/1/steps/0/outcome' },
  { title: 'an unknown field in a closed object', edit: (r) => (r.tests[1].steps[2].carried.extra = 1), path: '/tests/1/steps/2/carried: unknown field "extra"' },
  { title: 'startedAt not a date-time', edit: (r) => (r.startedAt = 'yesterday'), path: '/startedAt' },
  { title: 'a write action without a value', edit: (r) => delete r.tests[0].steps[0].action.value, path: '/tests/0/steps/0/action' },
  { title: 'a 0 boot number (boots count from 1)', edit: (r) => (r.tests[0].boot = 0), path: '/tests/0/boot' },
  { title: 'an exit code outside the table', edit: (r) => (r.exitCode = 7), path: '/exitCode' },
  { title: 'a topology hash that is not hex', edit: (r) => (r.topologies[0].hash = 'not-a-hash'), path: '/topologies/0/hash' },
  { title: 'a series patch without sha256', edit: (r) => delete r.kernels[1].source.series[0].sha256, path: '/kernels/1/source/series/0: missing "sha256"' },
  { title: 'a selftest status outside the enum', edit: (r) => (r.tests[0].selftests[0].status = 'ok'), path: '/tests/0/selftests/0/status' },
  { title: 'an id that does not follow its fields', edit: (r) => (r.tests[0].variant = 'online'), path: '/tests/0/id' },
  { title: 'a test listed twice', edit: (r) => r.tests.push(structuredClone(r.tests[0])), path: '/tests/6/id' },
  { title: 'a test on an unlisted kernel', edit: (r) => (r.kernels = r.kernels.slice(1)), path: '/tests/0/kernel' },
  { title: 'a test on an unlisted topology', edit: (r) => (r.topologies = r.topologies.slice(1)), path: '/tests/0/topology' },
  { title: 'a test on an unlisted boot', edit: (r) => (r.tests[0].boot = 9), path: '/tests/0/boot' },
];

for (const c of broken) {
  test(`refused: ${c.title}`, async (t) => {
    const r = await raw('full.json');
    c.edit(r);
    const err = t.throws(() => validateReport(r), { instanceOf: HarnessError });
    t.is(err?.stage, 'report');
    t.true(err!.details.some((d) => d.startsWith(c.path)), err!.details.join('\n'));
  });
}

test('not an object at all is refused', (t) => {
  for (const x of [null, [], 'report', 1]) t.throws(() => validateReport(x), { instanceOf: HarnessError });
});

test('many problems: the first few are listed and the rest counted', async (t) => {
  const r = await raw('full.json');
  for (const test of r.tests) test.verdict = 'ok';
  const err = t.throws(() => validateReport(r), { instanceOf: HarnessError });
  t.is(err!.details.length, 6);
  t.regex(err!.details.at(-1)!, /^… \d+ more$/);
});
