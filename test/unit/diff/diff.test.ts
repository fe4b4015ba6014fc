// diffSnapshots and formatFinding: a finding per key whose value differs, is missing from the guest, or is extra in the guest.
import test from 'ava';
import { diffSnapshots, formatFinding, type Finding } from '../../../harness/diff/diff.ts';

// Values as the guest's snapshot script prints them (ground truth: the stock path after bind, offline policy).
const bound = {
  'cxl/region0': 'cxl_region',
  'cxl/region0/commit': '1',
  'cxl/region0/target0': 'decoder2.0',
  'dax/dax0.0': 'kmem',
  'memory/memory90/state': 'offline',
  'memory/memory90/valid_zones': 'Normal Movable',
  'node/node1/MemTotal': '0',
};

test('identical snapshots give no findings', (t) => {
  t.deepEqual(diffSnapshots(bound, { ...bound }), []);
  t.deepEqual(diffSnapshots({}, {}), []);
});

test('key order does not matter', (t) => {
  const reversed = Object.fromEntries(Object.entries(bound).reverse());
  t.deepEqual(diffSnapshots(bound, reversed), []);
});

test('a key the model expects but the guest lacks is reported with observed undefined', (t) => {
  const observed: Record<string, string> = { ...bound };
  delete observed['dax/dax0.0'];
  const findings = diffSnapshots(bound, observed);
  t.deepEqual(findings, [{ key: 'dax/dax0.0', expected: 'kmem' }]);
  t.false('observed' in findings[0]!);
});

test('a key the guest has but the model does not expect is reported with expected undefined', (t) => {
  const observed = { ...bound, 'memory/memory91/state': 'offline' };
  const findings = diffSnapshots(bound, observed);
  t.deepEqual(findings, [{ key: 'memory/memory91/state', observed: 'offline' }]);
  t.false('expected' in findings[0]!);
});

test('a changed value is reported with both sides', (t) => {
  const observed = { ...bound, 'memory/memory90/state': 'online', 'memory/memory90/valid_zones': 'Movable' };
  t.deepEqual(diffSnapshots(bound, observed), [
    { key: 'memory/memory90/state', expected: 'offline', observed: 'online' },
    { key: 'memory/memory90/valid_zones', expected: 'Normal Movable', observed: 'Movable' },
  ]);
});

test('an empty value is a value: empty target0 differs from an absent target0', (t) => {
  // §1.2: targetN reads an empty line while unset, and exists only for index < interleave_ways.
  t.deepEqual(diffSnapshots({ 'cxl/region0/target0': '' }, {}), [{ key: 'cxl/region0/target0', expected: '' }]);
  t.deepEqual(diffSnapshots({}, { 'cxl/region0/target0': '' }), [{ key: 'cxl/region0/target0', observed: '' }]);
  t.deepEqual(diffSnapshots({ 'cxl/region0/target0': '' }, { 'cxl/region0/target0': '' }), []);
});

test('findings are sorted by key across absent, extra and changed keys', (t) => {
  const expected = { 'node/node1/MemTotal': '262144', 'cxl/region0/commit': '1', 'dax/dax0.0': 'kmem' };
  const observed = { 'node/node1/MemTotal': '0', 'cxl/region0/commit': '1', 'cxl/dax_region0': 'cxl_dax_region' };
  t.deepEqual(
    diffSnapshots(expected, observed).map((f) => f.key),
    ['cxl/dax_region0', 'dax/dax0.0', 'node/node1/MemTotal'],
  );
});

test('formatFinding quotes values and names absent sides', (t) => {
  const cases: [Finding, string][] = [
    [{ key: 'memory/memory90/state', expected: 'offline', observed: 'online' }, 'memory/memory90/state: expected "offline", observed "online"'],
    [{ key: 'dax/dax0.0', expected: 'kmem' }, 'dax/dax0.0: expected "kmem", observed (absent)'],
    [{ key: 'memory/memory91/state', observed: 'offline' }, 'memory/memory91/state: expected (absent), observed "offline"'],
    [{ key: 'cxl/region0/target0', expected: '', observed: 'decoder2.0' }, 'cxl/region0/target0: expected "", observed "decoder2.0"'],
    [{ key: 'memory/memory90/valid_zones', expected: 'Normal Movable', observed: 'Movable' }, 'memory/memory90/valid_zones: expected "Normal Movable", observed "Movable"'],
  ];
  for (const [f, text] of cases) t.is(formatFinding(f), text);
});

test('formatFinding keeps odd characters readable (JSON escapes)', (t) => {
  t.is(formatFinding({ key: 'k', expected: 'a"b', observed: 'tab\there' }), 'k: expected "a\\"b", observed "tab\\there"');
});
