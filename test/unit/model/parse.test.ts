// The kernel's input parsers as the model applies them (lib/kstrtox.c with base 0, kstrtobool, sysfs_streq).
import test from 'ava';
import fc from 'fast-check';
import { isPow2, parseKernelBool, parseKernelInt, sysfsStreq } from '../../../harness/model/parse.ts';

test('kstrto* base 0: decimal, 0x hex, 0-prefixed octal, one trailing newline', (t) => {
  t.is(parseKernelInt('268435456'), 268435456n);
  t.is(parseKernelInt('268435456\n'), 268435456n);
  t.is(parseKernelInt('0x10000000'), 0x10000000n);
  t.is(parseKernelInt('0X10'), 16n);
  t.is(parseKernelInt('010'), 8n);
  t.is(parseKernelInt('0'), 0n);
  t.is(parseKernelInt('0\n'), 0n);
});

test('kstrto* refusals: exponent, octal digit 8, bare 0x, sign minus, spaces, empty, two newlines', (t) => {
  for (const v of ['1e309', '08', '0x', '-1', ' 1', '1 ', '', '\n', '1\n\n', 'two', '0x1g']) t.is(parseKernelInt(v), undefined, JSON.stringify(v));
});

// kstrtoull (and so kstrtou64/kstrtoint, which go through it) skips one leading '+' (lib/kstrtox.c:
// "if (s[0] == '+') s++;"), so `echo +268435456 > regionN/size` is a valid size.
test('kstrto* accepts a leading plus sign', (t) => {
  t.is(parseKernelInt('+268435456'), 268435456n);
});

test('decimal round trip for any non-negative integer', (t) => {
  fc.assert(fc.property(fc.bigInt({ min: 0n, max: 1n << 64n }), (n) => t.is(parseKernelInt(`${n}\n`), n)));
  fc.assert(fc.property(fc.bigInt({ min: 0n, max: 1n << 64n }), (n) => t.is(parseKernelInt(`0x${n.toString(16)}`), n)));
});

test('kstrtobool: the first character decides; on/off need the second', (t) => {
  for (const v of ['1', 'y', 'Y', 'yes', 't', 'true', 'on', 'On\n']) t.true(parseKernelBool(v), v);
  for (const v of ['0', 'n', 'N', 'no', 'f', 'false', 'off']) t.false(parseKernelBool(v), v);
  for (const v of ['', 'maybe', 'o', '2', ' 1']) t.is(parseKernelBool(v), undefined, JSON.stringify(v));
});

test('sysfs_streq ignores one trailing newline on either side', (t) => {
  t.true(sysfsStreq('ram\n', 'ram'));
  t.true(sysfsStreq('ram', 'ram\n'));
  t.false(sysfsStreq('ram\n\n', 'ram'));
  t.false(sysfsStreq('ram ', 'ram'));
});

test('isPow2', (t) => {
  t.deepEqual([0, 1, 2, 3, 4, 6, 8, 256, 300, 16384].map(isPow2), [false, true, true, false, true, false, true, true, false, true]);
});
