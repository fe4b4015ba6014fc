// A container's exit status read as a host process's: 128+N after a signal the harness sent is that signal, anything else a code.
import test from 'ava';
import { exitFromStatus } from '../../../harness/runtime/docker-process.ts';

test('killed with the signal the harness sent', (t) => {
  t.deepEqual(exitFromStatus(137, 'SIGKILL'), { signal: 'SIGKILL' });
  t.deepEqual(exitFromStatus(143, 'SIGTERM'), { signal: 'SIGTERM' });
});

test('a process that handled SIGTERM and exited by itself keeps its code', (t) => {
  t.deepEqual(exitFromStatus(0, 'SIGTERM'), { code: 0 });
});

test('no signal sent: 137 is just a code', (t) => {
  t.deepEqual(exitFromStatus(137), { code: 137 });
  t.deepEqual(exitFromStatus(2), { code: 2 });
});
