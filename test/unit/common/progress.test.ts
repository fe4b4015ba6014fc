// Progress off a terminal: at most one line per interval, and the final line always.
import test from 'ava';
import { progress } from '../../../harness/common/progress.ts';

test('off a terminal, updates within the interval are dropped and done() logs its line', (t) => {
  const lines: string[] = [];
  const p = progress((l) => lines.push(l), 60_000, false);
  p.update('downloading: 1.0 MiB of 10.0 MiB');
  p.update('downloading: 2.0 MiB of 10.0 MiB');
  p.done('downloading: 10.0 MiB in 3.0 s');
  t.deepEqual(lines, ['downloading: 1.0 MiB of 10.0 MiB', 'downloading: 10.0 MiB in 3.0 s']);
});
