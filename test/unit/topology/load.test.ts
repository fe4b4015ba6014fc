// loadTopology: "default", a YAML file relative to baseDir, and the errors for bad files.
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { HarnessError } from '../../../harness/common/errors.ts';
import { defaultTopology } from '../../../harness/topology/default.ts';
import { loadTopology } from '../../../harness/topology/load.ts';
import { twoWayTopology } from './two-way.ts';

const fixtures = fileURLToPath(new URL('../../fixtures/topology/', import.meta.url));

test('"default" gives the default topology, as a copy', async (t) => {
  const topology = await loadTopology('default', fixtures);
  t.deepEqual(topology, defaultTopology);
  t.not(topology, defaultTopology);
});

test('a YAML file relative to baseDir loads and validates', async (t) => {
  t.deepEqual(await loadTopology('two-way.yaml', fixtures), twoWayTopology);
});

test('a bad field names the file, the field and the value', async (t) => {
  const err = await t.throwsAsync(loadTopology('bad-volatile.yaml', fixtures), { instanceOf: HarnessError });
  t.is(err?.stage, 'input');
  t.true(err?.message.startsWith(`${fixtures}bad-volatile.yaml: hostBridges[0].rootPorts[1].device.volatileMiB: 384 `), err?.message);
  t.true(err?.message.includes('a positive multiple of 256 (MiB)'), err?.message);
});

test('a YAML syntax error names the file and the line', async (t) => {
  const err = await t.throwsAsync(loadTopology('bad-syntax.yaml', fixtures), { instanceOf: HarnessError });
  t.is(err?.stage, 'input');
  t.regex(err?.message ?? '', /bad-syntax\.yaml:6: YAML syntax error: /);
  t.true(err?.message.startsWith(`${fixtures}bad-syntax.yaml:`), err?.message);
  t.log(err?.format());
});

test('a missing file names the file', async (t) => {
  const err = await t.throwsAsync(loadTopology('nope.yaml', fixtures), { instanceOf: HarnessError });
  t.is(err?.stage, 'input');
  t.is(err?.message, `${fixtures}nope.yaml: cannot read topology file (ENOENT)`);
});
