// parseWriteThen on writeThenCommand's output as a Debian 7.2 guest (busybox 1.37 sh) printed it: the errno of a failed
// write or open, what the command after it printed, and refusals of output the harness did not make.
import test from 'ava';
import { HarnessError } from '../../../harness/common/errors.ts';
import { parseWriteThen, writeThenCommand } from '../../../harness/guest/write.ts';

const P = '/sys/bus/cxl/devices/decoder0.0/create_ram_region';

test('the command writes as a user would, captures the message apart and runs the rest after it', (t) => {
  t.is(
    writeThenCommand(P, 'bogus', 'cat /proc/uptime'),
    [`echo bogus 2>/run/cxl-harness-write.err >${P}`, 'echo "--- cxl-harness write $?"', 'while IFS= read -r l; do echo "$l"; done </run/cxl-harness-write.err', "echo '--- cxl-harness then'", 'cat /proc/uptime'].join('\n'),
  );
  t.true(writeThenCommand(P, "a b'c").startsWith(`echo 'a b'\\''c' 2>`));
});

test('a write the kernel refused (EINVAL), an open refused (EACCES), a folder that is not there (ENOENT)', (t) => {
  t.deepEqual(parseWriteThen('--- cxl-harness write 1\nsh: write error: Invalid argument\n--- cxl-harness then\nhi\n', P), { write: { ok: false, errno: 'EINVAL', message: 'sh: write error: Invalid argument' }, then: 'hi\n' });
  const serial = '/sys/bus/cxl/devices/mem0/serial';
  t.deepEqual(parseWriteThen(`--- cxl-harness write 1\nsh: can't create ${serial}: Permission denied\n--- cxl-harness then\n`, serial).write, { ok: false, errno: 'EACCES', message: `sh: can't create ${serial}: Permission denied` });
  const gone = '/sys/bus/cxl/devices/nothere/x';
  t.like(parseWriteThen(`--- cxl-harness write 1\nsh: can't create ${gone}: nonexistent directory\n--- cxl-harness then\n`, gone).write, { ok: false, errno: 'ENOENT' });
});

test('a write that succeeded, and the output of the command after it kept whole', (t) => {
  const then = 'cxl/region0\tcxl_region\n--- dmesg\n[ 5.1] a line\n';
  t.deepEqual(parseWriteThen(`--- cxl-harness write 0\n--- cxl-harness then\n${then}`, P), { write: { ok: true }, then });
});

test('output without the markers, or a failure whose message names no errno, is a harness error', (t) => {
  t.throws(() => parseWriteThen('hi\n', P), { instanceOf: HarnessError, message: /lacks the harness's markers/ });
  t.throws(() => parseWriteThen('--- cxl-harness write 1\nsh: something odd\n--- cxl-harness then\n', P), { instanceOf: HarnessError, message: /names no errno/ });
});
