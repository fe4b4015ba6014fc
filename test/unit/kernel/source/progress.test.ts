// BuildProgress: counts kbuild steps, reports with a percentage against a previous count, and when linking starts.
import test from 'ava';
import { BuildProgress } from '../../../../harness/kernel/source/progress.ts';

test('counts quiet-command lines, not warnings or make chatter', (t) => {
  const lines: string[] = [];
  let now = 0;
  const p = new BuildProgress((l) => lines.push(l), 200, 10_000, () => now);
  for (const l of ['  HOSTCC  scripts/basic/fixdep', 'make[1]: Entering directory', '  CC      kernel/fork.o', 'kernel/fork.c:1:1: warning: x', '  AR      kernel/built-in.a']) p.line(l);
  t.is(p.steps, 3);
  t.deepEqual(lines, ['building: 1/~200 steps (0%), HOSTCC scripts/basic/fixdep']);
  now = 10_000;
  p.line('  CC [M]  drivers/cxl/core/region.o');
  p.line('  LD      vmlinux.o');
  t.deepEqual(lines.slice(1), ['building: 4/~200 steps (2%), CC [M] drivers/cxl/core/region.o', 'linking: 5/~200 steps (2%), LD vmlinux.o']);
});

test('without a previous count it reports the count only, and never claims 100% early', (t) => {
  const lines: string[] = [];
  const p = new BuildProgress((l) => lines.push(l), undefined, 0);
  p.line('  CC      init/main.o');
  t.deepEqual(lines, ['building: 1 steps, CC init/main.o']);
  const q = new BuildProgress(() => {}, 1, 0);
  q.line('  CC      a.o');
  q.line('  CC      b.o');
  t.is(q.describe('building'), 'building: 2/~1 steps (99%), CC b.o');
});
