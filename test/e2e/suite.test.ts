// Boots real QEMU on Debian's 7.2 kernel and runs the default suite: stock and negative pass, series are not
// applicable; the report validates against its JSON Schema and its JUnit and TAP forms parse.
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import test from 'ava';
import { parse as junit } from 'junit2json';
import { Parser } from 'tap-parser';
import type { RunReport } from '../../harness/report/types.ts';
import { validateReport } from '../../harness/report/validate.ts';
import { harness, scenario } from './cli.ts';

let cold: RunReport | undefined;

test.serial('the default suite on debian:7.2: stock and negative pass, series not applicable', async (t) => {
  const r = await harness(['--junit', '/dev/null']);
  t.is(r.exitCode, 0, r.stdout + r.stderr);
  const report = validateReport(r.report);
  cold = report;
  t.is(report.verdict, 'pass');
  t.regex(report.kernels[0]!.release, /^7\.2\.\d+/);
  t.true(report.kernels[0]!.packages.some((p) => p.name.startsWith('linux-binary-7.2')));
  for (const s of report.tests) {
    const group = s.file.split('/').at(-2);
    if (s.file.includes('/series/')) {
      t.is(s.verdict, 'n/a', s.id);
      t.regex(s.reason ?? '', /does not carry the series|needs/);
    } else if (s.verdict !== 'n/a') {
      t.is(s.verdict, 'pass', `${s.id} (${group})`);
      t.true(s.steps.length > 1 && s.steps.every((x) => x.observed.result !== undefined));
    }
  }
  t.true(report.boots.every((b) => b.graph?.pass), 'every boot enumerated the graph the topology implies');
  // Scenarios that leave the guest as they found it share a boot.
  const ran = report.tests.filter((s) => s.verdict !== 'n/a');
  t.true(report.boots.length < ran.length, `${report.boots.length} boots for ${ran.length} scenario runs`);
  // The boot-time policy decides the kmem blocks' state: online_movable onlines them at hot-add, so onlining again is refused.
  const movable = report.tests.find((s) => s.scenario === 'stock-kmem' && s.variant === 'online_movable')!;
  t.regex(movable.cmdline, /memhp_default_state=online_movable$/);
  t.is(movable.steps.find((s) => s.action?.kind === 'blocks' && s.action.state === 'online_movable')?.observed.result, 'EINVAL');
  const offline = report.tests.find((s) => s.scenario === 'stock-kmem' && s.variant === 'offline')!;
  t.is(offline.steps.find((s) => s.action?.kind === 'blocks' && s.action.state === 'online_movable')?.observed.result, 'ok');
});

test.serial('the same suite with --snapshots: the same verdicts, each boot key booted at most once, restores in seconds', async (t) => {
  if (!cold) return t.fail('the suite without snapshots did not run');
  const r = await harness(['--snapshots']);
  t.is(r.exitCode, 0, r.stdout + r.stderr);
  const report = validateReport(r.report);
  const verdicts = (x: RunReport) => Object.fromEntries(x.tests.map((s) => [s.id, s.verdict]));
  t.deepEqual(verdicts(report), verdicts(cold));
  // One key per topology and command line: at most one cold boot each (none once the cache holds it).
  const booted = report.boots.filter((b) => b.start === 'boot' && b.topology === 'default');
  t.is(new Set(booted.map((b) => b.cmdline)).size, booted.length, 'a key booted twice');
  const restores = report.boots.filter((b) => b.start === 'snapshot');
  t.true(restores.length > 0);
  for (const b of restores) t.true(b.restoreMs! < 5000, `boot ${b.index} restored in ${b.restoreMs} ms`);
  t.log(`restores: ${restores.map((b) => `${b.restoreMs}${b.restorePreparedMs !== undefined ? ` (+${b.restorePreparedMs} ahead)` : ''}`).join(', ')} ms; cold boots ${report.boots.length - restores.length}`);
  // A group prepares its next restore while a scenario runs; the one nobody needed at its end leaves no folder.
  t.true(restores.some((b) => b.restorePreparedMs !== undefined), 'no restore was prepared ahead');
  const runDir = dirname(report.boots[0]!.artifacts);
  const folders = (await readdir(runDir)).filter((n) => /^boot-\d+$/.test(n)).sort();
  t.deepEqual(folders, report.boots.map((b) => basename(b.artifacts)).sort());
});

test.serial('a run written as JUnit and TAP parses with maintained parsers and agrees with the report', async (t) => {
  const out = await mkdtemp(join(tmpdir(), 'cxl-harness-formats-'));
  const r = await harness([scenario('stock/kmem.yaml'), '--variant', 'offline', '--junit', join(out, 'r.xml'), '--tap', join(out, 'r.tap')]);
  t.is(r.exitCode, 0, r.stdout + r.stderr);
  const xml = (await junit(await readFile(join(out, 'r.xml'), 'utf8'))) as { tests?: number; failures?: number; testsuite?: { testcase?: { name?: string }[] }[] };
  t.is(Number(xml.tests), 1);
  t.is(Number(xml.failures ?? 0), 0);
  t.is(xml.testsuite?.[0]?.testcase?.[0]?.name, 'stock-kmem[offline]');
  const results: boolean[] = [];
  const p = new Parser((res) => results.push(res.ok));
  p.end(await readFile(join(out, 'r.tap'), 'utf8'));
  t.deepEqual(results, [true]);
});
