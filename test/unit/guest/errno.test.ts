// Tests that busybox stderr from failed sysfs writes maps back to the right errno name.

import test from 'ava';
import { errnoFromMessage } from '../../../harness/guest/errno.ts';

const cases: Array<[string, string | undefined]> = [
  ['sh: write error: Invalid argument', 'EINVAL'],
  ['sh: write error: Invalid argument\n', 'EINVAL'],
  ['sh: write error: Invalid argument\r\n', 'EINVAL'],
  ["sh: can't create /sys/x: Permission denied", 'EACCES'],
  ["sh: can't create /sys/x: nonexistent directory", 'ENOENT'],
  ["sh: can't open /sys/x: no such file", 'ENOENT'],
  ['/bin/sh: 1: cannot create /sys/x: Directory nonexistent', 'ENOENT'],
  ['/bin/sh: 1: cannot open /sys/x: No such file', 'ENOENT'],
  ['sh: write error: No such device or address', 'ENXIO'],
  ['sh: write error: No such device', 'ENODEV'],
  ['sh: write error: Device or resource busy', 'EBUSY'],
  ['sh: write error: No such file or directory', 'ENOENT'],
  ['sh: write error: Operation not permitted', 'EPERM'],
  ['sh: write error: No space left on device', 'ENOSPC'],
  ['sh: write error: Numerical result out of range', 'ERANGE'],
  ['sh: write error: Input/output error', 'EIO'],
  ['sh: write error: Connection timed out', 'ETIMEDOUT'],
  ['sh: write error: Resource temporarily unavailable', 'EAGAIN'],
  ['sh: write error: File exists', 'EEXIST'],
  ['sh: write error: Cannot allocate memory', 'ENOMEM'],
  ['sh: write error: Operation not supported', 'EOPNOTSUPP'],
  ['sh: write error: Interrupted system call', 'EINTR'],
  ['sh: write error: Memory page has hardware error', 'EHWPOISON'],
  ["sh: can't create /sys/bus/cxl/devices/x/y: Not a directory", 'ENOTDIR'],
  ['sh: write error: Bad address', 'EFAULT'],
  ["sh: can't create /sys/x: Read-only file system", 'EROFS'],
  ['sh: write error: Argument list too long', 'E2BIG'],
  ['sh: write error: Resource deadlock avoided', 'EDEADLK'],
  ['sh: write error: Too many references: cannot splice', 'ETOOMANYREFS'],
  ['sh: write error: Interrupted system call should be restarted', 'ERESTART'],
  // Not the same as "Too many open files in system".
  ['sh: write error: Too many open files', 'EMFILE'],
  ['sh: write error: Too many open files in system', 'ENFILE'],
  ['Invalid argument', 'EINVAL'],
  ['/bin/sh: line 1: printf: write error: Invalid argument', 'EINVAL'],
  // The first line that names an error wins; other noise is ignored.
  ['warning: something\nsh: write error: Device or resource busy\nsh: write error: Invalid argument', 'EBUSY'],
  // Nothing to go on: no guessing.
  ['', undefined],
  ['sh: write error', undefined],
  ['sh: write error: Unknown error 523', undefined],
  ['sh: write error: invalid argument', undefined],
  ['sh: write error: Invalid argument, probably', undefined],
  ['Segmentation fault', undefined],
  ['exit status 1', undefined],
];

for (const [stderr, expected] of cases) {
  test(`${JSON.stringify(stderr)} -> ${expected ?? 'undefined'}`, (t) => {
    t.is(errnoFromMessage(stderr), expected);
  });
}
