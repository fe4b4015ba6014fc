// toKcidb checked with ajv against the KCIDB v4 subset schema in test/fixtures/kcidb, and against the fixture's data.
import { readFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import test, { type ExecutionContext } from 'ava';
import { execa } from 'execa';
import { testPath, toKcidb } from '../../../harness/report/kcidb.ts';
import type { RunReport } from '../../../harness/report/types.ts';
import { report } from './fixture.ts';

const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats.default(ajv);
const schemaFile = new URL('../../fixtures/kcidb/emitted-v4.schema.json', import.meta.url);
const kcidbValid = ajv.compile(JSON.parse(await readFile(schemaFile, 'utf8')));
const seriesDir = new URL('../../fixtures/series/cxl-granularity', import.meta.url).pathname;

function valid(t: ExecutionContext, data: unknown): void {
  t.true(kcidbValid(data), ajv.errorsText(kcidbValid.errors));
}

test('the KCIDB data of the complete fixture and of every other fixture is valid v4', async (t) => {
  for (const name of ['full.json', 'run.json', 'base.json', 'head.json']) valid(t, toKcidb(await report(name)));
});

test('a checkout and a build per kernel, a test per test, linked by id', async (t) => {
  const r = await report('full.json');
  const k = toKcidb(r);
  t.deepEqual(k.version, { major: 4, minor: 2 });
  t.is(k.checkouts.length, r.kernels.length);
  t.is(k.builds.length, r.kernels.length);
  t.is(k.tests.length, r.tests.length);
  t.true([...k.checkouts, ...k.builds, ...k.tests].every((o) => o.origin === 'cxl_harness' && o.id.startsWith('cxl_harness:')));
  t.deepEqual(k.builds.map((b) => b.checkout_id), k.checkouts.map((c) => c.id));
  r.tests.forEach((x, i) => {
    const build = k.builds[r.kernels.findIndex((kernel) => kernel.spec === x.kernel)]!;
    t.is(k.tests[i]!.build_id, build.id);
    t.is(k.tests[i]!.environment.comment, x.topology);
  });
  t.is(new Set(k.tests.map((x) => x.id)).size, k.tests.length);
});

test('the patchset hash is what the KCIDB documentation\'s shell command gives for the same patches', async (t) => {
  const k = toKcidb(await report('full.json'));
  // The fixture's series entries carry the sha256 of these two files, in this order.
  const { stdout } = await execa('bash', ['-c', 'sha256sum *.patch | cut -c-64 | sha256sum | cut -c-64'], { cwd: seriesDir });
  t.is(k.checkouts[1]!.patchset_hash, stdout.trim());
  t.is(k.checkouts[0]!.patchset_hash, '', 'a Debian package has no patches');
  t.is(k.checkouts[2]!.patchset_hash, '', 'a tree built as is has no patches');
});

test('tree names and commit hashes: Debian for packages and linux-source, the folder name for a local tree, no commit hash', async (t) => {
  const k = toKcidb(await report('full.json'));
  t.deepEqual(k.checkouts.map((c) => c.tree_name), ['debian', 'debian', 'linux']);
  t.true(k.checkouts.every((c) => !('git_commit_hash' in c)));
});

test('builds: x86_64, the compiler and config of source builds, valid only when the kernel had no error', async (t) => {
  const r = await report('full.json');
  const k = toKcidb(r);
  t.true(k.builds.every((b) => b.architecture === 'x86_64'));
  t.deepEqual(k.builds.map((b) => b.compiler), r.kernels.map((kernel) => kernel.source?.compiler));
  t.true(k.builds[1]!.config_name!.includes(r.kernels[1]!.source!.configHash));
  t.deepEqual(k.builds.map((b) => b.valid), [true, true, undefined]);
  t.is(k.builds[2]!.log_excerpt, r.kernels[2]!.error);
});

test('statuses: pass PASS, fail FAIL, gap ERROR (the test cannot judge), error MISS (the harness broke), n/a SKIP', async (t) => {
  const r = await report('full.json');
  const expected = { pass: 'PASS', fail: 'FAIL', gap: 'ERROR', error: 'MISS', 'n/a': 'SKIP' } as const;
  t.deepEqual(toKcidb(r).tests.map((x) => x.status), r.tests.map((x) => expected[x.verdict]));
});

test('paths are cxl_harness.<scenario>.<variant> in KCIDB\'s alphabet', (t) => {
  t.is(testPath({ scenario: 'stock-kmem', variant: 'online_movable' }), 'cxl_harness.stock-kmem.online_movable');
  const odd = testPath({ scenario: 'a.b/c d', variant: 'ü:1' });
  t.regex(odd, /^[.a-zA-Z0-9_-]*$/);
  t.is(odd.split('.').length, 3, 'a dot inside a name does not add a level');
});

test('the same test in another run is another KCIDB test; the same run gives the same ids', async (t) => {
  const r = await report('full.json');
  const again = toKcidb(structuredClone(r));
  const later = toKcidb({ ...r, startedAt: '2026-11-25T09:15:02.123Z' });
  t.deepEqual(toKcidb(r).tests.map((x) => x.id), again.tests.map((x) => x.id));
  t.true(later.tests.every((x, i) => x.id !== again.tests[i]!.id));
  t.deepEqual(later.builds, again.builds);
});

test('a huge failure text is cut to KCIDB\'s excerpt limit', async (t) => {
  const r = await report('full.json');
  const huge: RunReport = { ...r, tests: r.tests.map((x) => (x.verdict === 'error' ? { ...x, error: 'x'.repeat(100_000) } : x)) };
  valid(t, toKcidb(huge));
});
