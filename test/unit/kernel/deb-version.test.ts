// Debian version order through dpkg: a table of tricky pairs whose expected order comes from Debian Policy §5.6.12 and Debian's naming conventions.
import test from 'ava';
import { HarnessError } from '../../../harness/common/errors.ts';
import { debianOrder } from '../../../harness/kernel/deb-version.ts';
import { newest } from '../../../harness/kernel/debian-names.ts';

// [a, expected sign of compare(a, b), b, the rule that decides it].
const cases: Array<[string, -1 | 0 | 1, string, string]> = [
  // Policy: "epoch ... If it is omitted then the upstream_version ... an epoch of 0 is assumed"; epochs are compared first, as numbers.
  ['0:1.0', 0, '1.0', 'an absent epoch is 0'],
  ['1:1.0', 1, '2.0', 'the epoch wins over the upstream version'],
  ['2:0.1', 1, '1:9.9', 'the epoch wins over the upstream version'],
  ['10:1', 1, '9:1', 'epochs compare as numbers'],
  ['1:2.3:4-5', 1, '1:2.3-5', 'with an epoch, the upstream version may hold colons'],
  // Policy: "The absence of a debian_revision is equivalent to a debian_revision of 0."
  ['1.0', 0, '1.0-0', 'no revision is revision 0'],
  ['1.0', -1, '1.0-1', 'no revision is revision 0'],
  // Policy: the revision is the part after the last hyphen, so the upstream version may hold hyphens.
  ['7.0-rc1-1', -1, '7.0-rc2-1', 'hyphens in the upstream version'],
  ['7.0-rc1-1', 1, '7.0-1', 'a non-letter sorts after the end of a part'],
  // Policy: "the following parts are in sorted order from earliest to latest: ~~, ~~a, ~, the empty part, a".
  ['1.0~~', -1, '1.0~~a', '~~ before ~~a'],
  ['1.0~~a', -1, '1.0~', '~~a before ~'],
  ['1.0~', -1, '1.0', '~ before the empty part'],
  ['1.0', -1, '1.0a', 'the empty part before a'],
  // Policy footnote: "1.0~beta1~svn1245 sorts earlier than 1.0~beta1, which sorts earlier than 1.0".
  ['1.0~beta1~svn1245', -1, '1.0~beta1', 'tilde for pre-releases'],
  ['1.0~beta1', -1, '1.0', 'tilde for pre-releases'],
  ['1.0~rc1', -1, '1.0~rc2', 'tilde for pre-releases'],
  // Policy: "all the letters sort earlier than all the non-letters", otherwise ASCII order.
  ['1.0a', -1, '1.0+', 'letters before non-letters'],
  ['1.0-a', -1, '1.0-+', 'letters before non-letters, in the revision too'],
  ['1.0+', -1, '1.0.', "ASCII order between non-letters ('+' < '.')"],
  ['1.0A', -1, '1.0a', 'ASCII order between letters'],
  ['1.0Z', -1, '1.0a', 'ASCII order between letters'],
  // Policy: runs of digits "are compared numerically".
  ['1.001', 0, '1.1', 'leading zeros do not count'],
  ['00001', 0, '1', 'leading zeros do not count'],
  ['1.10', 1, '1.9', 'numbers, not characters'],
  ['2.30-1', 1, '2.4-1', 'numbers, not characters'],
  ['1.2.3', 1, '1.2', 'a longer version with the same start is later'],
  ['1.2', -1, '1.2.0', 'a non-letter sorts after the end of a part'],
  ['0.0', 1, '0', 'a non-letter sorts after the end of a part'],
  // Debian's naming conventions (Developer's Reference, backports and security uploads), decided by the same rules.
  ['1.0-1', -1, '1.0-1+b1', 'a binNMU (+bN) is later than its source upload'],
  ['1.0-1+b1', -1, '1.0-1.1', "a binNMU is earlier than the next NMU ('+' < '.')"],
  ['1.0-1', -1, '1.0-1.1', 'an NMU is later than the upload it fixes'],
  ['1.0-1~bpo12+1', -1, '1.0-1', 'a backport (~bpo) is earlier than the version it comes from'],
  ['1.0-1', -1, '1.0-1+deb12u1', 'a stable update (+debNuM) is later than the release'],
  ['1.0-1', -1, '1.0-1ubuntu1', 'a derivative suffix is later'],
  ['1.0+dfsg-1', 1, '1.0-1', 'a repacked upstream (+dfsg) is later'],
  ['1.0~dfsg-1', -1, '1.0-1', 'a repack marked with ~ is earlier'],
  // Debian kernel packages: experimental release candidates, stable updates, ABI bumps.
  ['7.3~rc7-1~exp1', -1, '7.3-1', 'a release candidate in experimental is earlier than the release'],
  ['7.2.13-1', 1, '7.2.9-3', 'patch releases compare as numbers'],
  ['6.12.117-1', 1, '6.12.107-1', 'patch releases compare as numbers'],
  ['6.12.117-1', 0, '6.12.117-1', 'the same version'],
  ['6.12.38-1', -1, '6.12.38-1+deb13u1', 'a stable update is later'],
  ['6.1.0-25', -1, '6.1.0-26', 'the ABI number in the revision'],
];

for (const [a, expected, b, why] of cases) {
  test(`${a} ${expected < 0 ? '<' : expected > 0 ? '>' : '='} ${b}: ${why}`, async (t) => {
    const order = await debianOrder([a, b]);
    t.is(order(a, b), expected);
    t.is(order(b, a), -expected || 0);
  });
}

test('one dpkg run orders a set of kernel package versions', async (t) => {
  const versions = ['7.2.9-3', '7.3~rc7-1~exp1', '7.2.13-1', '7.2.13-1+b1', '7.3-1', '7.2.13-1~bpo12+1', '7.2.13-1'];
  const order = await debianOrder(versions);
  t.deepEqual([...versions].sort(order), ['7.2.9-3', '7.2.13-1~bpo12+1', '7.2.13-1', '7.2.13-1', '7.2.13-1+b1', '7.3~rc7-1~exp1', '7.3-1']);
});

test('newest picks the candidate with the latest version, whatever the input order', async (t) => {
  const candidates = [
    { name: 'linux-image-7.2.13+deb14-amd64', version: '7.2.13-1' },
    { name: 'linux-binary-7.3.0-rc7-amd64', version: '7.3~rc7-1~exp1' },
    { name: 'linux-image-7.2.9-amd64', version: '7.2.9-3' },
  ];
  // A 7.3 release candidate is earlier than 7.3 but later than every 7.2.
  t.deepEqual(await newest(candidates), candidates[1]);
  t.deepEqual(await newest([...candidates].reverse()), candidates[1]);
  t.deepEqual(await newest([candidates[0]!, candidates[2]!]), candidates[0]);
  t.is(await newest([]), undefined);
});

test('a version the comparator was not built for is a caller error', async (t) => {
  const order = await debianOrder(['1.0']);
  t.throws(() => order('1.0', '2.0'), { instanceOf: HarnessError });
});

// dpkg --validate-version calls each of these "bad syntax" (an error, not a warning).
for (const bad of ['', '   ', '1 .0', 'x:1.0', '1:', '1.0-', '-1', ':1.0', '99999999999:1']) {
  test(`rejects ${JSON.stringify(bad)}`, async (t) => {
    const err = await t.throwsAsync(debianOrder([bad, '1.0']), { instanceOf: HarnessError });
    t.is(err?.stage, 'kernel');
    t.true(err?.message.startsWith('invalid Debian version: '), err?.message);
  });
}
