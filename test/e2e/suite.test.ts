// Boots real QEMU on Debian's 7.2 kernel and runs the whole default suite: stock and negative pass, series are not applicable.
import test from 'ava';
import { harness } from './cli.ts';

test('the default suite on debian:7.2: stock and negative pass, series not applicable', async (t) => {
  const r = await harness([]);
  t.is(r.exitCode, 0, r.stdout + r.stderr);
  const report = r.report!;
  t.is(report.verdict, 'pass');
  t.regex(report.kernel.release, /^7\.2\.\d+/);
  t.true(report.kernel.packages.some((p) => p.name.startsWith('linux-binary-7.2')));
  for (const s of report.scenarios) {
    const group = s.file.split('/').at(-2);
    t.is(s.verdict, group === 'series' ? 'n/a' : 'pass', `${s.scenario} [${s.variant}]`);
    if (group === 'series') t.regex(s.reason ?? '', /lacks cxl_/);
    else t.true(s.steps.length > 1 && s.steps.every((x) => x.observed.result !== undefined || x.index === 0));
  }
  t.true(report.capabilities!.cxlDrivers.includes('cxl_region'));
  t.false(report.capabilities!.cxlDrivers.includes('cxl_sysram_region'));
  // Scenarios that leave the guest as they found it share a boot.
  t.true(report.boots < report.scenarios.length, `${report.boots} boots for ${report.scenarios.length} scenario runs`);
  // The boot-time policy decides the kmem blocks' state: online_movable onlines them at hot-add, so onlining again is refused.
  const movable = report.scenarios.find((s) => s.scenario === 'stock-kmem' && s.variant === 'online_movable')!;
  t.regex(movable.cmdline, /memhp_default_state=online_movable$/);
  t.is(movable.steps.find((s) => s.action?.kind === 'blocks' && s.action.state === 'online_movable')?.observed.result, 'EINVAL');
  const offline = report.scenarios.find((s) => s.scenario === 'stock-kmem' && s.variant === 'offline')!;
  t.is(offline.steps.find((s) => s.action?.kind === 'blocks' && s.action.state === 'online_movable')?.observed.result, 'ok');
});
