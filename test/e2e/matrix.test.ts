// The CI shape: two kernels × two topologies in parallel, machine-readable reports that maintained parsers accept,
// and two shards that merge into the unsharded run's tests and verdicts.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { parse as junit } from 'junit2json';
import { Parser } from 'tap-parser';
import type { RunReport } from '../../harness/report/types.ts';
import { validateReport } from '../../harness/report/validate.ts';
import { harness, scenario } from './cli.ts';

const MATRIX = [scenario('stock/kmem.yaml'), '--variant', 'offline', '--kernel', 'debian:7.2', '--kernel', 'debian:6.12', '--topology', 'default', '--topology', 'switch2'];
const verdicts = (r: RunReport) => Object.fromEntries(r.tests.map((x) => [x.id, x.verdict]));

test('2 kernels × 2 topologies with --jobs 2: all pass, 6.12 with its known differences; JUnit and TAP parse; shards merge into the same run', async (t) => {
  const out = await mkdtemp(join(tmpdir(), 'cxl-harness-matrix-'));
  const full = await harness([...MATRIX, '--jobs', '2', '--junit', join(out, 'r.xml'), '--tap', join(out, 'r.tap')]);
  t.is(full.exitCode, 0, full.stdout + full.stderr);
  t.regex(full.stdout, /4 test\(s\) in 4 boot group\(s\), up to 2 VM\(s\) at once/);
  const report = validateReport(full.report);
  t.deepEqual(Object.values(verdicts(report)), ['pass', 'pass', 'pass', 'pass']);
  t.deepEqual(report.kernels.map((k) => k.release.split('.').slice(0, 2).join('.')).sort(), ['6.12', '7.2']);
  t.true(report.tests.filter((x) => x.kernel === 'debian:6.12').some((x) => x.steps.some((s) => s.outcome === 'known')), 'the 6.12 differences show as known');
  // The kernel × topology table.
  for (const k of ['debian:7.2', 'debian:6.12']) for (const topo of ['default', 'switch2']) t.regex(full.stdout, new RegExp(`${k.replace('.', '\\.')}\\s+${topo}\\s+1 passed`));

  const xml = (await junit(await readFile(join(out, 'r.xml'), 'utf8'))) as { tests?: number; failures?: number; testsuite?: { testcase?: unknown[] }[] };
  t.is(Number(xml.tests), 4);
  t.is(Number(xml.failures ?? 0), 0);
  const asserts: boolean[] = [];
  let whole: boolean | undefined;
  const tap = new Parser((res) => (whole = res.ok));
  tap.on('assert', (a: { ok: boolean }) => asserts.push(a.ok));
  tap.end(await readFile(join(out, 'r.tap'), 'utf8'));
  t.deepEqual(asserts, [true, true, true, true]);
  t.true(whole);

  const shards = await Promise.all([1, 2].map((i) => harness([...MATRIX, '--shard', `${i}/2`, '--jobs', '1'])));
  for (const s of shards) t.is(s.exitCode, 0, s.stdout + s.stderr);
  t.true(shards.every((s) => s.report!.tests.length > 0), 'each shard runs part of the matrix');
  const merged = await harness([...shards.map((s) => join(s.dir, 'report.json')), '--json', join(out, 'merged.json')], 'merge');
  t.is(merged.exitCode, 0, merged.stderr);
  t.deepEqual(verdicts(validateReport(JSON.parse(await readFile(join(out, 'merged.json'), 'utf8')))), verdicts(report));
});
