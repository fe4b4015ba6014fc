// Which scenario variants may share a boot: the kernel takes the last name=value, so only effective parameters count.
import test from 'ava';
import { bootKey } from '../../../harness/run/suite.ts';
import { defaultTopology } from '../../../harness/topology/default.ts';

const key = (cmdline: string[]) => bootKey({ topology: defaultTopology, cmdline });

test('repeating the harness default memhp_default_state=offline changes nothing', (t) => {
  t.is(key(['memhp_default_state=offline']), key([]));
});

test('another online policy or an extra parameter needs its own boot', (t) => {
  t.not(key(['memhp_default_state=online_movable']), key([]));
  t.not(key(['movable_node']), key([]));
});

test('a different topology needs its own boot', (t) => {
  const other = structuredClone(defaultTopology);
  other.cpus = 1;
  t.not(bootKey({ topology: other, cmdline: [] }), key([]));
});
