// troubleIn / troubleExcerpt on a hand-written serial console in the kernel's real format: the commit WARNING that
// ground-truth.md says the harness must recognise, an Oops and a panic, among benign boot lines.
import { readFile } from 'node:fs/promises';
import test from 'ava';
import { HOSTKEY, READY, troubleExcerpt, troubleIn } from '../../../harness/qemu/console.ts';

const fixture = new URL('../../fixtures/console/commit-warning-oops-panic.log', import.meta.url);
const load = async () => (await readFile(fixture, 'utf8')).split('\n').filter(Boolean);
const find = (lines: string[], s: string) => {
  const i = lines.findIndex((l) => l.includes(s));
  if (i < 0) throw new Error(`fixture has no line with ${s}`);
  return i;
};

test('the commit WARNING block is recognised as a warning (ground-truth: "The harness must detect that WARNING")', async (t) => {
  const lines = await load();
  t.is(troubleIn(lines[find(lines, '[ cut here ]')]!), 'warning');
});

test('an Oops is recognised as oops, the NULL dereference line as bug, the panic as panic', async (t) => {
  const lines = await load();
  t.is(troubleIn(lines[find(lines, 'Oops: Oops: 0000 [#1]')]!), 'oops');
  t.is(troubleIn(lines[find(lines, 'BUG: kernel NULL pointer dereference')]!), 'bug');
  t.is(troubleIn(lines[find(lines, 'Kernel panic - not syncing: Fatal exception')]!), 'panic');
  t.is(troubleIn(lines[find(lines, '---[ end Kernel panic - not syncing')]!), 'panic');
});

test('benign lines are not trouble', async (t) => {
  const lines = await load();
  const benign = [
    'RAS: Correctable Errors collector initialized.',
    'Spectre V2 : WARNING: Unprivileged eBPF is enabled',
    'x86/cpu: User Mode Instruction Prevention (UMIP) activated',
    'cxl_pci 0000:0d:00.0: enabling device',
    'cxl-harness: ready',
    'random: crng init done',
    'clocksource: Switched to clocksource tsc',
    'Run /init as init process',
  ];
  for (const b of benign) t.is(troubleIn(lines[find(lines, b)]!), undefined, b);
  // Whole boot preamble up to the harness's ready marker: nothing in it is trouble.
  const ready = find(lines, 'cxl-harness: ready');
  t.deepEqual(lines.slice(0, ready + 1).filter((l) => troubleIn(l) !== undefined), []);
});

test('words that merely contain the markers are not trouble', (t) => {
  t.is(troubleIn('[    1.000000] PM: hibernation: Registered nosave memory: DEBUG: none'), undefined);
  t.is(troubleIn('[    1.000000] kmem: BUGS none'), undefined);
  t.is(troubleIn('cxl-harness: step 3 Oopsie'), undefined);
});

test('the pre-6.19 WARNING header format (6.1, 6.12 kernels) is recognised', (t) => {
  t.is(troubleIn('[   12.345690] WARNING: CPU: 1 PID: 245 at drivers/cxl/core/region.c:233 cxl_region_invalidate_memregion+0x9a/0xb0 [cxl_core]'), 'warning');
  t.is(troubleIn('[   12.345690] WARNING: CPU: 0 PID: 1 at cxl_region_invalidate_memregion+0x9a/0xb0'), 'warning');
});

// BUG (harness/qemu/console.ts, the 'warning' pattern): since Linux 6.19 kernel/panic.c __warn() prints
//   "WARNING: %s:%d at %pS, CPU#%d: %s/%d"   (commit "bugs/core: Reorganize fields in the first line of WARNING output")
// so on the project's 7.2 kernel the header line reads "WARNING: drivers/cxl/core/region.c:233 at ..., CPU#1: sh/245".
// The pattern only knows "WARNING: CPU: N PID: N at" and "WARNING: at", so the header itself is not classified; only the
// "cut here" line before it catches the block. A dmesg slice that starts after "cut here" (busybox `dmesg -c` between two
// observations) loses the classification of the warning.
test('the 7.x WARNING header line itself is recognised as a warning', async (t) => {
  const lines = await load();
  t.is(troubleIn(lines[find(lines, 'WARNING: drivers/cxl/core/region.c:233 at cxl_region_invalidate_memregion')]!), 'warning');
});

// BUG (harness/qemu/console.ts, the 'oops' pattern /general protection fault/): the kernel's report of a *user-space*
// process hitting #GP (arch/x86/kernel/traps.c: "traps: %s[%d] general protection fault ip:... in lib...") is classified
// as a kernel oops, so a crashing busybox in the guest would be reported as kernel trouble. The kernel's own #GP oops
// starts with "Oops: general protection fault" and is caught by the "Oops" alternative anyway.
test('a user-space general protection fault is not a kernel oops', (t) => {
  t.is(troubleIn('[    3.010774] traps: busybox[212] general protection fault ip:7f3a5c2d1e40 sp:7ffd0b8c1f08 error:0 in libc.so.6[28e40,7f3a5c2ce000+165000]'), undefined);
});

test('the kernel #GP oops is an oops', (t) => {
  t.is(troubleIn('[   20.100000] Oops: general protection fault, probably for non-canonical address 0xdead000000000122: 0000 [#1] SMP NOPTI'), 'oops');
});

test('troubleExcerpt starts at the first trouble line and keeps the WARNING message, header and call trace', async (t) => {
  const lines = await load();
  const excerpt = troubleExcerpt(lines, 1000);
  t.is(excerpt[0], lines[find(lines, '[ cut here ]')]);
  for (const s of [
    'cxl region0: Failed to synchronize CPU cache state',
    'WARNING: drivers/cxl/core/region.c:233',
    'RIP: 0010:cxl_region_invalidate_memregion',
    'Call Trace:',
    ' commit_store+',
  ]) t.true(excerpt.some((l) => l.includes(s)), s);
});

test('troubleExcerpt keeps every trouble line of the console and no line of the boot preamble', async (t) => {
  const lines = await load();
  const excerpt = troubleExcerpt(lines, 1000);
  for (const l of lines.filter((x) => troubleIn(x))) t.true(excerpt.includes(l), l);
  const ready = find(lines, 'cxl-harness: ready');
  for (const l of lines.slice(0, ready + 1)) t.false(excerpt.includes(l), l);
  // Lines come out in console order.
  const positions = excerpt.map((l) => lines.indexOf(l));
  t.deepEqual(positions, [...positions].sort((a, b) => a - b));
});

test('troubleExcerpt keeps the oops call trace and the panic line', async (t) => {
  const excerpt = troubleExcerpt(await load(), 1000);
  for (const s of ['Oops: Oops: 0000 [#1] SMP NOPTI', 'RIP: 0010:dev_dax_kmem_remove+0x2e/0x130 [kmem]', ' unbind_store+', 'Kernel panic - not syncing: Fatal exception'])
    t.true(excerpt.some((l) => l.includes(s)), s);
});

test('troubleExcerpt honours max, default 40', async (t) => {
  const lines = await load();
  t.true(troubleExcerpt(lines).length <= 40);
  t.is(troubleExcerpt(lines).length, 40, 'the fixture has more than 40 trouble-related lines');
  t.deepEqual(troubleExcerpt(lines, 5), troubleExcerpt(lines, 1000).slice(0, 5));
});

test('troubleExcerpt of a clean console is empty', async (t) => {
  const lines = await load();
  t.deepEqual(troubleExcerpt(lines.slice(0, find(lines, 'cxl-harness: ready') + 1)), []);
  t.deepEqual(troubleExcerpt([]), []);
});

test('the harness markers match the guest init lines', (t) => {
  t.true(READY.test('[    3.120009] cxl-harness: ready'));
  t.is(HOSTKEY.exec('cxl-harness: hostkey ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx0b3JlbS9pcHN1bSsvZG9sb3I9')?.[1], 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx0b3JlbS9pcHN1bSsvZG9sb3I9');
});
