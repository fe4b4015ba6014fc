// Scenario loading: the real stock scenario parses into the steps it spells out; bad files give an input error that
// names the file and the field path; pinned results always come out as arrays.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import { HarnessError } from '../../../harness/common/errors.ts';
import { loadScenarios, parseScenarioFile } from '../../../harness/scenario/load.ts';

const fixtures = fileURLToPath(new URL('../../fixtures/scenarios/', import.meta.url));
const fixture = (name: string) => `${fixtures}${name}`;
const kmemYaml = fileURLToPath(new URL('../../../scenarios/stock/kmem.yaml', import.meta.url));
const scenariosDir = fileURLToPath(new URL('../../../scenarios/', import.meta.url));
const CXL = '/sys/bus/cxl/devices/';

test('scenarios/stock/kmem.yaml parses: name, topology, both variants, fifteen steps', async (t) => {
  const s = await parseScenarioFile(kmemYaml);
  t.is(s.name, 'stock-kmem');
  t.is(s.file, kmemYaml);
  t.is(s.topology, 'default');
  t.deepEqual(s.variants, [
    { name: 'offline', cmdline: ['memhp_default_state=offline'] },
    { name: 'online_movable', cmdline: ['memhp_default_state=online_movable'] },
  ]);
  t.is(s.steps.length, 15);
  t.true(s.description!.includes('stock kmem path'));
});

test('kmem.yaml steps: numbers become strings, bind defaults to the cxl bus, blocks keep region and state', async (t) => {
  const s = await parseScenarioFile(kmemYaml);
  t.deepEqual(s.steps[0]!.action, { kind: 'write', path: `${CXL}decoder0.0/create_ram_region`, value: 'region0' });
  t.deepEqual(s.steps[1]!.action, { kind: 'write', path: `${CXL}region0/interleave_granularity`, value: '256' });
  t.deepEqual(s.steps[4]!.action, { kind: 'write', path: `${CXL}decoder2.0/dpa_size`, value: '268435456' });
  t.deepEqual(s.steps[8]!.action, { kind: 'bind', bus: 'cxl', driver: 'cxl_region', device: 'region0' });
  t.deepEqual(s.steps[9]!.action, { kind: 'blocks', region: 'region0', state: 'online_movable' });
  t.deepEqual(s.steps[12]!.action, { kind: 'write', path: `${CXL}region0/target0`, value: '' });
  t.deepEqual(s.steps[14]!.action, { kind: 'write', path: `${CXL}decoder0.0/delete_region`, value: 'region0' });
  // No step pins a result: the model predicts them all.
  t.true(s.steps.every((x) => x.pinned === undefined));
  // Every step has a name for the report.
  t.true(s.steps.every((x) => x.name.length > 0));
});

test('loading the scenarios folder finds kmem.yaml', async (t) => {
  const all = await loadScenarios(scenariosDir);
  t.true(all.some((s) => s.name === 'stock-kmem' && s.file.endsWith('stock/kmem.yaml')));
});

test('pinned results become arrays; a read pins a value; a named step keeps its name; dax bus bindings parse', async (t) => {
  const s = await parseScenarioFile(fixture('pinned.yaml'));
  t.deepEqual(s.variants, [{ name: 'offline', cmdline: ['memhp_default_state=offline', 'memory_hotplug.online_policy=contig-zones'] }]);
  t.deepEqual(s.steps[0]!.pinned, { result: ['EBUSY'] });
  t.deepEqual(s.steps[1]!.pinned, { result: ['ENODEV', 'EINVAL'] });
  t.is(s.steps[1]!.name, 'delete what is not there');
  t.deepEqual(s.steps[2]!.action, { kind: 'read', path: `${CXL}decoder0.0/create_ram_region` });
  t.deepEqual(s.steps[2]!.pinned, { value: 'region0' });
  t.deepEqual(s.steps[3]!.action, { kind: 'unbind', bus: 'dax', driver: 'kmem', device: 'dax0.0' });
  t.deepEqual(s.steps[3]!.pinned, { result: ['ok'] });
  t.is(s.steps[4]!.pinned, undefined);
});

test('a scenario without variants gets one default variant with no extra parameters, and topology default', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cxl-scenario-'));
  try {
    await writeFile(join(dir, 'min.yaml'), `name: min\nsteps:\n  - read: ${CXL}decoder0.0/create_ram_region\n`);
    const min = await parseScenarioFile(join(dir, 'min.yaml'));
    t.deepEqual(min.variants, [{ name: 'default', cmdline: [] }]);
    t.is(min.topology, 'default');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** The error for a bad file: an input-stage HarnessError whose text names the file and every expected fragment. */
async function rejects(t: ExecutionContext, name: string, fragments: string[]) {
  const file = fixture(name);
  const err = await t.throwsAsync(parseScenarioFile(file), { instanceOf: HarnessError });
  if (!(err instanceof HarnessError)) return;
  t.is(err.stage, 'input');
  t.is(err.exitCode, 2);
  t.true(err.message.includes(file), `message names the file: ${err.message}`);
  const text = err.format();
  for (const f of fragments) t.true(text.includes(f), `"${f}" in:\n${text}`);
  // The same error comes through loadScenarios.
  await t.throwsAsync(loadScenarios(file), { instanceOf: HarnessError });
}

test('unknown key in a step: names steps[1] and the key', async (t) => {
  await rejects(t, 'unknown-step-key.yaml', ['steps[1]', 'expekt']);
});

test('unknown top-level key: names the key', async (t) => {
  await rejects(t, 'unknown-top-key.yaml', ['topolgy']);
});

test('write without value: names steps[1].value as missing', async (t) => {
  await rejects(t, 'write-without-value.yaml', ['steps[1].value', 'missing']);
});

test('two step kinds in one step: names steps[1] and both kinds', async (t) => {
  await rejects(t, 'two-kinds.yaml', ['steps[1]', 'write', 'bind']);
});

test('an errno that is not ok or E…: names steps[0].expect.result and the value', async (t) => {
  await rejects(t, 'bad-errno.yaml', ['steps[0].expect.result', 'einval']);
});

test('a variant cmdline entry with a space: names variants[1].cmdline[0] and says one parameter', async (t) => {
  await rejects(t, 'cmdline-space.yaml', ['variants[1].cmdline[0]', 'one kernel parameter, no spaces']);
});

test('YAML syntax error: says the file is not valid YAML', async (t) => {
  await rejects(t, 'syntax-error.yaml', ['not valid YAML', 'line 6']);
});

test('a missing file or folder is an input error naming the path', async (t) => {
  const err = await t.throwsAsync(loadScenarios(fixture('does-not-exist.yaml')), { instanceOf: HarnessError });
  t.true(err?.message.includes('does-not-exist.yaml'));
});
