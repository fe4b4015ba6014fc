// Known differences: inRange for kernel release ranges, and explain() matching recorded findings to a step.
import test from 'ava';
import { fact } from '../../../harness/model/facts.ts';
import { explain, inRange, knownDifferences } from '../../../harness/model/known.ts';
import { definitions } from '../../../harness/model/series/registry.ts';

const DEB = '7.2.13+deb14-amd64';

test('">= 6.12, < 7.0": both comparisons must hold', (t) => {
  const r = '>= 6.12, < 7.0';
  t.true(inRange('6.12.0', r));
  t.true(inRange('6.12.5-1-amd64', r));
  t.true(inRange('6.19.3', r));
  t.false(inRange('6.11.9', r));
  t.false(inRange('7.0.0', r));
  t.false(inRange(DEB, r));
  t.true(inRange('6.13', '>=6.12,<7.0'), 'spaces are optional');
});

test('"7.2": every 7.2.x, not 7.20 or 7.3', (t) => {
  t.true(inRange(DEB, '7.2'));
  t.true(inRange('7.2', '7.2'));
  t.true(inRange('7.2.0-rc1', '7.2'));
  t.false(inRange('7.20.1', '7.2'));
  t.false(inRange('7.3.0', '7.2'));
  t.false(inRange('7.1.9', '7.2'));
  t.true(inRange(DEB, '= 7.2.13'));
  t.false(inRange('7.2.12', '7.2.13'));
});

test('"*" holds for every release, even one that is no version', (t) => {
  t.true(inRange(DEB, '*'));
  t.true(inRange('next-20261124', ' * '));
});

test('unreadable releases and ranges hold for nothing', (t) => {
  t.false(inRange('next-20261124', '>= 6.0'));
  t.false(inRange(DEB, '~7.2'));
  t.false(inRange(DEB, '>= 7.2, or so'));
});

test('<= and > at the boundary', (t) => {
  t.true(inRange('7.2.13', '<= 7.2.13'));
  t.false(inRange('7.2.14', '<= 7.2.13'));
  t.true(inRange('7.2.14', '> 7.2.13'));
  t.false(inRange('7.2.13', '> 7.2.13'));
});

test('every known difference names a registered fact and kernels that parse', (t) => {
  definitions();
  const all = knownDifferences();
  for (const k of all) {
    if (k.fact) t.notThrows(() => fact(k.fact!), k.id);
    else t.true(k.findings.length > 0 && (k.kind === 'version' || k.scenario !== undefined), `${k.id}: without a fact, an entry about state: a version range, or one finding's scenario`);
    t.true(k.kernels.trim() === '*' || k.kernels.split(',').every((p) => /^\s*(<=|>=|<|>|=)?\s*\d+\.\d+(\.\d+)?\s*$/.test(p)), `${k.id}: ${k.kernels}`);
    for (const re of k.findings) t.notThrows(() => new RegExp(`^${re}$`), `${k.id}: ${re}`);
  }
});

// topologies.md G: sn1,sn2,sn3,sn4 fails ENXIO on the last write and "the failed target stays recorded (target3 reads
// decoder7.0)". The model leaves it empty (the ABI's promise); the recorded finding explains exactly that step.
const G = { scenario: 'finding-failed-target-recorded', topology: 'sw2x2' };
const E = { scenario: 'finding-decommit-online', topology: 'switch4' };

// Debian 6.12 has no regionZ/locked ("KernelVersion: v7.1"): a new region lacks it, whatever step created it.
test('explain: a state-only version entry covers the missing locked attribute before 7.1, and nothing else', (t) => {
  const missing = [{ key: 'cxl/region0/locked', expected: '0', observed: undefined }];
  const where = { scenario: 'stock-kmem', topology: 'default' };
  t.is(explain('6.12.117+deb13-amd64', where, undefined, 'ok', true, missing)?.id, 'version-region-locked-attribute');
  t.is(explain(DEB, where, undefined, 'ok', true, missing), undefined, '7.2 has the attribute');
  t.is(explain('6.12.117+deb13-amd64', where, undefined, 'EINVAL', false, missing), undefined, 'a result that differs too');
  t.is(explain('6.12.117+deb13-amd64', where, undefined, 'ok', true, [...missing, { key: 'cxl/region0/size', expected: '0x0', observed: '0x10000000' }]), undefined);
});

test('explain: G\'s refused last target that stays recorded is the finding-failed-target-recorded finding', (t) => {
  const findings = [{ key: 'cxl/region0/target3', expected: '', observed: 'decoder7.0' }];
  const k = explain(DEB, G, 'setup.cannot-host', 'ENXIO', true, findings);
  t.is(k?.id, 'finding-failed-target-recorded');
  t.is(explain(DEB, { ...G, scenario: 'stock-kmem' }, 'setup.cannot-host', 'ENXIO', true, findings), undefined, 'only in its own scenario');
  t.is(explain(DEB, G, 'setup.cannot-host', 'ENXIO', true, [...findings, { key: 'dax/dax0.0', observed: 'kmem' }]), undefined, 'a finding the entry does not cover');
  t.is(explain(DEB, G, undefined, 'ENXIO', true, findings), undefined, 'no fact: only a state-only version entry could explain it');
});

// topologies.md E: "commit 0 while kmem blocks are online: OK". The model refuses (EBUSY, decommit.memory-online);
// the difference is recorded as a kernel finding.
test('explain: decommit with online memory accepted by 7.2 is the finding-decommit-online finding', (t) => {
  t.is(fact('decommit.memory-online').errno, 'EBUSY');
  const k = explain(DEB, E, 'decommit.memory-online', 'ok', false, [{ key: 'memory/memory90/state', expected: 'online', observed: 'online' }]);
  t.is(k?.id, 'finding-decommit-online');
  t.is(explain(DEB, E, 'decommit.memory-online', 'ENXIO', false, []), undefined, 'another observed result');
});
