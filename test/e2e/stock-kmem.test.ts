// Boots real QEMU on Debian's 7.2 kernel: the stock kmem path passes under both boot-time online policies.
import test from 'ava';
import { harness, scenario } from './cli.ts';

test('stock-kmem passes with memhp_default_state=offline and =online_movable', async (t) => {
  const r = await harness([scenario('stock/kmem.yaml')]);
  t.is(r.exitCode, 0, r.stdout + r.stderr);
  const report = r.report!;
  t.is(report.verdict, 'pass');
  t.regex(report.kernel.release, /^7\.2\.\d+/);
  t.true(report.kernel.packages.some((p) => p.name.startsWith('linux-binary-7.2')));
  t.deepEqual(report.scenarios.map((s) => [s.variant, s.verdict]), [['offline', 'pass'], ['online_movable', 'pass']]);
  for (const s of report.scenarios) {
    t.regex(s.cmdline, new RegExp(`memhp_default_state=${s.variant}`));
    // boot step + the 15 scenario steps, each with an observed result from the guest.
    t.is(s.steps.length, 16);
    t.true(s.steps.every((step) => step.observed.result !== undefined));
  }
  // Onlining blocks the kernel already onlined at hot-add is refused, per mm's state_store.
  const movable = report.scenarios.find((s) => s.variant === 'online_movable')!;
  t.is(movable.steps.find((s) => s.action?.kind === 'blocks' && s.action.state === 'online_movable')?.observed.result, 'EINVAL');
});
