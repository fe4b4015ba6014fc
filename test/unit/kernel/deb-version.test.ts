// Table tests for compareDebianVersions against dpkg's ordering.

import test from 'ava';
import { compareDebianVersions } from '../../../harness/kernel/deb-version.ts';
import { HarnessError } from '../../../harness/common/errors.ts';

// [a, expected sign of compare(a, b), b]. Every row was checked once with
// `dpkg --compare-versions a lt|eq|gt b` (dpkg 1.21, Debian 12) by a one-off script; dpkg agreed on all rows.
const cases: Array<[string, -1 | 0 | 1, string]> = [
  ['7.2.13-1', 1, '7.2.9-3'],
  ['7.3~rc7-1~exp1', -1, '7.3-1'],
  ['1:1.0', 1, '2.0'],
  ['6.12.117-1', 1, '6.12.107-1'],
  ['6.12.117-1', 0, '6.12.117-1'],
  ['0:1.0', 0, '1.0'],
  ['1.0', 0, '1.0-0'],
  ['1.0', -1, '1.0-1'],
  ['1.0~', -1, '1.0'],
  ['1.0~~', -1, '1.0~'],
  ['1.0~~a', 1, '1.0~~'],
  ['1.0~rc1', -1, '1.0~rc2'],
  ['1.0~rc1', -1, '1.0'],
  ['1.0a', 1, '1.0'],
  ['1.0a', -1, '1.0+'],
  ['1.0+', -1, '1.0.'],
  ['1.0.', 1, '1.0+'],
  ['1.0-a', -1, '1.0-+'],
  ['1.0A', -1, '1.0a'],
  ['1.0Z', -1, '1.0a'],
  ['1.001', 0, '1.1'],
  ['1.10', 1, '1.9'],
  ['1.2.3', 1, '1.2'],
  ['1.2', -1, '1.2.0'],
  ['2:0.1', 1, '1:9.9'],
  ['10:1', 1, '9:1'],
  ['1.0-1', -1, '1.0-1.1'],
  ['1.0-1ubuntu1', 1, '1.0-1'],
  ['1.0-1~bpo12+1', -1, '1.0-1'],
  ['1.0-1+deb12u1', 1, '1.0-1'],
  ['1.0-1+b1', 1, '1.0-1'],
  ['1.0-1+b1', -1, '1.0-1.1'],
  ['6.1.0-25', -1, '6.1.0-26'],
  ['6.12.38-1', -1, '6.12.38-1+deb13u1'],
  ['7.2.13+deb14', 1, '7.2.13'],
  ['7.2.13+deb14-1', 1, '7.2.13-1'],
  ['7.0-rc1-1', -1, '7.0-rc2-1'],
  ['7.0-rc1-1', 1, '7.0-1'],
  ['1:2.3:4-5', 1, '1:2.3-5'],
  ['a', -1, 'b'],
  ['1.0+dfsg-1', 1, '1.0-1'],
  ['1.0~dfsg-1', -1, '1.0-1'],
  ['2.30-1', 1, '2.4-1'],
  ['0.0', 1, '0'],
  ['00001', 0, '1'],
  ['1~', -1, '1'],
  ['1~a', 1, '1~'],
  ['~~', -1, '~'],
  ['~', -1, '0'],
];

for (const [a, expected, b] of cases) {
  test(`${a} ${expected < 0 ? '<' : expected > 0 ? '>' : '='} ${b}`, (t) => {
    t.is(compareDebianVersions(a, b), expected);
    t.is(compareDebianVersions(b, a), expected === 0 ? 0 : -expected);
  });
}

test('sorting kernel package versions picks the newest last', (t) => {
  const versions = ['7.2.9-3', '7.3~rc7-1~exp1', '7.2.13-1', '7.2.13-1+b1', '7.3-1', '7.2.13-1~bpo1'];
  t.deepEqual([...versions].sort(compareDebianVersions), [
    '7.2.9-3',
    '7.2.13-1~bpo1',
    '7.2.13-1',
    '7.2.13-1+b1',
    '7.3~rc7-1~exp1',
    '7.3-1',
  ]);
});

// dpkg exits 2 with "bad syntax" for each of these; '' is a blank version to dpkg but a caller bug here.
for (const bad of ['', '   ', '1 .0', 'x:1.0', '1:', '1.0-', '-1', ':1.0', '99999999999:1']) {
  test(`rejects ${JSON.stringify(bad)}`, (t) => {
    const err = t.throws(() => compareDebianVersions(bad, '1.0'), { instanceOf: HarnessError });
    t.is(err?.stage, 'kernel');
  });
}
