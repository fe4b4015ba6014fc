// Leftover detection: only containers whose owning harness process (same host, same pid namespace) is gone are swept.
import test from 'ava';
import { currentOwner, isLeftover, LABEL, ownerLabels, processStart } from '../../../harness/runtime/docker-owner.ts';

const here = { host: 'box', pidns: 'pid:[4026531836]' };
const labels = (o: Partial<Record<string, string>>) => ({ [LABEL.run]: 'r', [LABEL.host]: 'box', [LABEL.pidns]: 'pid:[4026531836]', [LABEL.pid]: '4242', [LABEL.start]: '777', ...o });

test('owner gone: a leftover', (t) => {
  t.true(isLeftover(labels({}), here, () => undefined));
});

test('owner alive, same start time: not a leftover', (t) => {
  t.false(isLeftover(labels({}), here, (pid) => (pid === 4242 ? '777' : undefined)));
});

test('pid reused by a later process: a leftover', (t) => {
  t.true(isLeftover(labels({}), here, () => '999'));
});

test('another host or another pid namespace: never judged', (t) => {
  t.false(isLeftover(labels({ [LABEL.host]: 'other' }), here, () => undefined));
  t.false(isLeftover(labels({ [LABEL.pidns]: 'pid:[1]' }), here, () => undefined));
  t.false(isLeftover(labels({}), { ...here, pidns: 'unknown' }, () => undefined));
});

test('labels without a usable pid: never judged', (t) => {
  t.false(isLeftover(labels({ [LABEL.pid]: 'x' }), here, () => undefined));
  t.false(isLeftover(labels({ [LABEL.pid]: '0' }), here, () => undefined));
});

test('this process: its start time is readable and it is not a leftover of itself', (t) => {
  const me = currentOwner();
  t.is(me.pid, process.pid);
  t.regex(me.start, /^\d+$/);
  t.false(isLeftover(ownerLabels('r', 'make', me), me, processStart));
});

test('owner labels name the run and the role besides the owner', (t) => {
  const l = ownerLabels('run-7', 'qemu-system-x86_64', { host: 'h', pidns: 'ns', pid: 12, start: '34' });
  t.is(l[LABEL.run], 'run-7');
  t.is(l[LABEL.role], 'qemu-system-x86_64');
  t.is(l[LABEL.pid], '12');
  t.is(l[LABEL.start], '34');
});
