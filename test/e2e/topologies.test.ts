// Multi-device topologies on real guests: each boot's enumerated graph matches the topology, an interleaved region
// (or a pmem region) goes through commit, the data-placement check and kmem; a guest whose graph differs fails at
// the boot step.
import test from 'ava';
import { validateReport } from '../../harness/report/validate.ts';
import { harness, scenario } from './cli.ts';

test('hb2 and switch2 interleave across two devices, pmem builds a persistent region, data lands where predicted', async (t) => {
  const r = await harness([scenario('stock/kmem.yaml'), scenario('stock/pmem.yaml'), '--variant', 'offline', '--variant', 'default', '--topology', 'hb2', '--topology', 'switch2', '--topology', 'pmem']);
  t.is(r.exitCode, 0, r.stdout + r.stderr);
  const report = validateReport(r.report);
  t.deepEqual(report.topologies.map((x) => x.name).sort(), ['hb2', 'pmem', 'switch2']);
  t.true(report.boots.length >= 3);
  for (const b of report.boots) t.true(b.graph?.pass, `boot ${b.index} on ${b.topology}: ${JSON.stringify(b.graph?.findings)}`);
  const ran = report.tests.filter((x) => x.verdict !== 'n/a');
  t.deepEqual(ran.map((x) => x.id).sort(), ['debian:7.2/hb2/stock-kmem[offline]', 'debian:7.2/pmem/stock-pmem[default]', 'debian:7.2/switch2/stock-kmem[offline]']);
  for (const test of ran) {
    t.is(test.verdict, 'pass', test.id);
    const ways = test.steps.find((s) => s.action?.kind === 'write' && s.action.path.endsWith('/interleave_ways'));
    t.is(ways?.action?.kind === 'write' ? ways.action.value : undefined, test.topology === 'pmem' ? '1' : '2', test.id);
    const data = test.steps.find((s) => s.action?.kind === 'data');
    t.is(data?.outcome, 'pass', `${test.id}: ${JSON.stringify(data?.findings)}`);
  }
  const hb2 = ran.find((x) => x.topology === 'hb2')!;
  t.is(hb2.steps.find((s) => s.action?.kind === 'blocks' && s.action.state === 'online_movable')?.observed.result, 'ok');
  t.is(report.tests.find((x) => x.topology === 'pmem' && x.scenario === 'stock-kmem')?.verdict, 'n/a', 'no volatile device on pmem');
});

test('a guest whose enumerated graph differs from the topology fails at the boot step', async (t) => {
  // Without cxl_mem no endpoint or memdev probes: the graph the topology implies cannot appear.
  const r = await harness([scenario('stock/kmem.yaml'), '--variant', 'offline', '--topology', 'switch2', '--append', 'module_blacklist=cxl_mem']);
  t.is(r.exitCode, 1, r.stdout + r.stderr);
  const s = r.report!.tests[0]!;
  t.is(s.verdict, 'fail');
  t.is(s.firstFailure?.step, 0);
  t.true(s.steps[0]!.findings.some((f) => f.key === 'graph/hb12/rp0/ds0/endpoint' && f.expected === '0x1' && f.observed === undefined), JSON.stringify(s.steps[0]!.findings));
  t.is(r.report!.boots[0]!.graph?.pass, false);
  t.regex(r.stdout, /graph\/hb12\/rp0\/ds0\/endpoint: expected "0x1", observed \(absent\)/);
});

test('rp2: after kexec the kernel assembles the committed region itself, binds it and onlines its memory; locked reads 0 against the docs', async (t) => {
  const r = await harness([scenario('review/auto-assembly.yaml'), '--topology', 'rp2']);
  t.is(r.exitCode, 0, r.stdout + r.stderr);
  const s = validateReport(r.report).tests[0]!;
  t.is(s.verdict, 'pass', JSON.stringify(s.firstFailure));
  const kexec = s.steps.find((x) => x.action?.kind === 'kexec')!;
  t.is(kexec.outcome, 'pass', JSON.stringify(kexec.findings));
  // Nothing known was needed: the assembled region, its driver and its dax region are what the model predicted.
  t.false(s.steps.some((x) => x.outcome === 'known'));
  const locked = s.steps.find((x) => x.action?.kind === 'read' && x.action.path.endsWith('/locked'))!;
  t.is(locked.observed.value, '0');
  t.is(locked.outcome, 'mismatch', 'overview.rst says auto-decoder configurations are locked at probe time');
  t.true(s.steps.filter((x) => x.action?.kind === 'blocks').every((x) => x.observed.result === 'ok'));
});
