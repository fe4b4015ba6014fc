// Scenario loading: values as written, errors naming file and field, includes, unknown keys, series folder inference.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import { HarnessError } from '../../../harness/common/errors.ts';
import { projectPath } from '../../../harness/common/project.ts';
import { SERIES_DIR } from '../../../harness/model/series/registry.ts';
import { loadScenarios, parseScenario, parseScenarioFile } from '../../../harness/scenario/load.ts';
import type { Action, RawStep } from '../../../harness/scenario/types.ts';

// Scenario loading: values reach the kernel as written, errors name the file and the field, includes splice steps in,
// unknown keys are refused, a scenario under scenarios/series/<name>/ belongs to that series.

const fixtures = fileURLToPath(new URL('../../fixtures/scenarios/', import.meta.url));
const CXL = '/sys/bus/cxl/devices/';

async function tempDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cxl-scenario-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
async function file(dir: string, name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, text);
  return path;
}
const actions = (steps: RawStep[]): Action[] => steps.flatMap((s) => (s.macro === 'step' ? [s.step.action] : []));

/** The HarnessError of a load, with message and details as one text. */
async function loadError(t: ExecutionContext, path: string): Promise<{ message: string; details: string[] }> {
  const e = await t.throwsAsync(parseScenarioFile(path), { instanceOf: HarnessError });
  t.is(e!.stage, 'input');
  return { message: e!.message, details: e!.details };
}

test('values reach the kernel as written: 1e309, 0x10000000, 010, 1.0, true stay strings', async (t) => {
  const dir = await tempDir(t);
  const path = await file(dir, 'values.yaml', ['name: values', 'steps:', ...['1e309', '0x10000000', '010', '1.0', 'true', '~', "''"].flatMap((v) => [`  - write: ${CXL}region0/size`, `    value: ${v}`])].join('\n'));
  const s = await parseScenarioFile(path);
  t.deepEqual(actions(s.steps).map((a) => (a.kind === 'write' ? a.value : '?')), ['1e309', '0x10000000', '010', '1.0', 'true', '~', '']);
});

test('a minimal scenario: defaults for variants, requires and needs; names from the action', async (t) => {
  const dir = await tempDir(t);
  const s = await parseScenarioFile(await file(dir, 'min.yaml', `name: min\nsteps:\n  - write: ${CXL}decoder0.0/create_ram_region\n    value: region0\n  - read: ${CXL}region0/size\n`));
  t.like(s, { name: 'min', requires: [], needs: {}, variants: [{ name: 'default', cmdline: [] }] });
  t.is(s.series, undefined);
  t.deepEqual(s.sources, [join(dir, 'min.yaml')]);
  t.deepEqual(s.steps.map((x) => (x.macro === 'step' ? x.step.name : x.macro)), ['region0 > decoder0.0/create_ram_region', 'read region0/size']);
});

test('every step kind and its defaults', async (t) => {
  const dir = await tempDir(t);
  const text = [
    'name: kinds',
    'needs: { devices: 2, window0Ways: 1 }',
    'steps:',
    '  - bind: { driver: cxl_region, device: "${region}" }',
    '  - unbind: { bus: dax, driver: kmem, device: "${dax}" }',
    '  - blocks: { state: online_movable }',
    `  - poll: { path: ${CXL}dax_region0 }`,
    `  - poll: { path: ${CXL}region0/commit, value: "1", timeout: 5 }`,
    '  - run: daxctl list -M',
    '  - data: {}',
    `  - requires: { path: /sys/bus/cxl/drivers/cxl_sysram_region }`,
    '  - region: {}',
    '  - region: { window: 1, mode: pmem, ways: 2, granularity: 4096, sizeMiB: 256, decoder: 1, commit: false, order: [1, 0], as: first }',
    '  - teardown: {}',
    '  - teardown: { of: first, only: [free] }',
    '  - create: { window: 0, as: second }',
    '    expect: { result: ok }',
  ].join('\n');
  const s = await parseScenarioFile(await file(dir, 'kinds.yaml', text));
  t.deepEqual(s.needs, { devices: 2, window0Ways: 1 });
  t.deepEqual(actions(s.steps), [
    { kind: 'bind', bus: 'cxl', driver: 'cxl_region', device: '${region}' },
    { kind: 'unbind', bus: 'dax', driver: 'kmem', device: '${dax}' },
    { kind: 'blocks', region: '${region}', state: 'online_movable' },
    { kind: 'poll', path: `${CXL}dax_region0`, timeoutMs: 20000 },
    { kind: 'poll', path: `${CXL}region0/commit`, value: '1', timeoutMs: 5000 },
    { kind: 'run', command: 'daxctl list -M' },
    { kind: 'data', region: '${region}', samples: 16 },
    { kind: 'requires', path: '/sys/bus/cxl/drivers/cxl_sysram_region', capability: '/sys/bus/cxl/drivers/cxl_sysram_region' },
  ]);
  const macros = s.steps.filter((x) => x.macro !== 'step');
  t.deepEqual(macros, [
    { macro: 'region', mode: 'ram', decoder: 0, commit: true },
    { macro: 'region', window: 1, mode: 'pmem', ways: 2, granularity: 4096, sizeMiB: 256, decoder: 1, commit: false, order: [1, 0], as: 'first' },
    { macro: 'teardown', only: ['decommit', 'detach', 'free', 'delete'] },
    { macro: 'teardown', of: 'first', only: ['free'] },
    { macro: 'create', window: 0, mode: 'ram', as: 'second', pinned: { result: ['ok'] } },
  ] as unknown as RawStep[]);
});

test('pinned results always become arrays; a read may pin a value', async (t) => {
  const s = await parseScenarioFile(join(fixtures, 'pinned.yaml'));
  t.deepEqual(s.steps.map((x) => (x.macro === 'step' ? x.step.pinned : undefined)), [{ result: ['EBUSY'] }, { result: ['ENODEV', 'EINVAL'] }, { value: 'region0' }, { result: ['ok'] }, undefined]);
  t.deepEqual(s.variants, [{ name: 'offline', cmdline: ['memhp_default_state=offline', 'memory_hotplug.online_policy=contig-zones'] }]);
});

test('errors name the file and the field path, with the value and what is accepted', async (t) => {
  const cases: [string, string][] = [
    ['bad-errno.yaml', 'steps[0].expect.result: "einval" is not accepted'],
    ['unknown-step-key.yaml', 'expekt'],
    ['unknown-top-key.yaml', 'topolgy'],
    ['write-without-value.yaml', 'steps[1].value: missing is not accepted'],
    ['cmdline-space.yaml', 'variants[1].cmdline[0]: "memhp_default_state=online_movable movable_node" is not accepted; one kernel parameter, no spaces'],
    ['two-kinds.yaml', 'steps[1]: '],
  ];
  for (const [name, detail] of cases) {
    const path = join(fixtures, name);
    const e = await loadError(t, path);
    t.is(e.message, `${path}: scenario does not match the schema`, name);
    t.true(e.details.some((d) => d.includes(detail)), `${name}: ${e.details.join(' | ')}`);
  }
  const two = await loadError(t, join(fixtures, 'two-kinds.yaml'));
  t.true(two.details.some((d) => d.includes('needs exactly one of') && d.includes('found write, bind')), two.details.join(' | '));
});

test('a path outside /sys and /proc, and a run that is not cxl/daxctl/ndctl, are refused', async (t) => {
  const dir = await tempDir(t);
  const e1 = await loadError(t, await file(dir, 'p.yaml', 'name: p\nsteps:\n  - write: /etc/passwd\n    value: x\n'));
  t.true(e1.details.some((d) => d.startsWith('steps[0].write: "/etc/passwd" is not accepted; an absolute path under /sys or /proc')), e1.details.join(' | '));
  const e2 = await loadError(t, await file(dir, 'r.yaml', 'name: r\nsteps:\n  - run: rm -rf /\n'));
  t.true(e2.details.some((d) => d.startsWith('steps[0].run: "rm -rf /" is not accepted')), e2.details.join(' | '));
});

test('a YAML syntax error names the file', async (t) => {
  const path = join(fixtures, 'syntax-error.yaml');
  const e = await loadError(t, path);
  t.is(e.message, `${path}: not valid YAML`);
  t.true(e.details.length > 0);
});

test('includes splice a fragment\'s steps in place, relative to the including file, nested; sources list every file', async (t) => {
  const dir = await tempDir(t);
  await file(dir, 'shared/inner.steps.yaml', `steps:\n  - read: ${CXL}region0/commit\n`);
  await file(dir, 'shared/outer.steps.yaml', `description: setup\nsteps:\n  - write: ${CXL}decoder0.0/create_ram_region\n    value: region0\n  - include: inner.steps.yaml\n`);
  const main = await file(dir, 'main.yaml', `name: main\nsteps:\n  - include: shared/outer.steps.yaml\n  - write: ${CXL}region0/commit\n    value: '1'\n`);
  const s = await parseScenarioFile(main);
  t.deepEqual(actions(s.steps).map((a) => a.kind), ['write', 'read', 'write']);
  t.deepEqual(s.sources, [main, join(dir, 'shared/outer.steps.yaml'), join(dir, 'shared/inner.steps.yaml')]);
});

test('bad includes: not a *.steps.yaml, beside other keys, missing, or a fragment with unknown keys', async (t) => {
  const dir = await tempDir(t);
  const e1 = await t.throwsAsync(parseScenarioFile(await file(dir, 'a.yaml', 'name: a\nsteps:\n  - include: other.yaml\n')), { instanceOf: HarnessError });
  t.true(e1!.message.includes('steps[0].include: "other.yaml" is not accepted'), e1!.message);
  const e2 = await t.throwsAsync(parseScenarioFile(await file(dir, 'b.yaml', 'name: b\nsteps:\n  - include: x.steps.yaml\n    name: two keys\n')), { instanceOf: HarnessError });
  t.true(e2!.message.includes('steps[0].include'), e2!.message);
  const e3 = await t.throwsAsync(parseScenarioFile(await file(dir, 'c.yaml', 'name: c\nsteps:\n  - include: gone.steps.yaml\n')), { instanceOf: HarnessError });
  t.true(e3!.message.includes(`${join(dir, 'gone.steps.yaml')} cannot be read`), e3!.message);
  await file(dir, 'bad.steps.yaml', `stepz: []\n`);
  const e4 = await t.throwsAsync(parseScenarioFile(await file(dir, 'd.yaml', 'name: d\nsteps:\n  - include: bad.steps.yaml\n')), { instanceOf: HarnessError });
  t.true(e4!.message.startsWith(join(dir, 'bad.steps.yaml')), e4!.message);
});

test('the series is the folder under scenarios/series/ a scenario sits in', (t) => {
  const raw = { name: 'x', steps: [{ run: 'cxl list' }] };
  t.is(parseScenario(raw, join(SERIES_DIR, 'explicit-dax', 'x.yaml')).series, 'explicit-dax');
  t.is(parseScenario(raw, join(SERIES_DIR, 'some-series', 'deeper', 'x.yaml')).series, 'some-series');
  t.is(parseScenario(raw, join(SERIES_DIR, 'x.yaml')).series, undefined, 'directly in scenarios/series/');
  t.is(parseScenario(raw, projectPath('scenarios/stock/x.yaml')).series, undefined);
  t.is(parseScenario(raw, '/elsewhere/series/explicit-dax/x.yaml').series, undefined);
});

test('loading a series folder: every scenario, in path order, series inferred, definitions left out', async (t) => {
  const all = await loadScenarios(join(SERIES_DIR, 'explicit-dax'));
  t.true(all.length > 0);
  t.deepEqual(all.map((s) => s.file), [...all.map((s) => s.file)].sort());
  for (const s of all) {
    t.is(s.series, 'explicit-dax', s.file);
    t.false(/\/(series|facts)\.yaml$/.test(s.file), s.file);
  }
});

test('loading a folder skips *.steps.yaml fragments; an empty folder and a missing path are refused', async (t) => {
  const dir = await tempDir(t);
  await file(dir, 'b.yaml', 'name: b\nsteps:\n  - run: cxl list\n');
  await file(dir, 'a/a.yaml', 'name: a\nsteps:\n  - run: cxl list\n');
  await file(dir, 'x.steps.yaml', 'steps:\n  - run: cxl list\n');
  t.deepEqual((await loadScenarios(dir)).map((s) => s.name), ['a', 'b']);
  const empty = await tempDir(t);
  await t.throwsAsync(loadScenarios(empty), { instanceOf: HarnessError, message: /no \.yaml scenarios/ });
  await t.throwsAsync(loadScenarios(join(empty, 'nope')), { instanceOf: HarnessError, message: /no such scenario file or folder/ });
});

test('every scenario in the project loads', async (t) => {
  const all = await loadScenarios(projectPath('scenarios'));
  t.true(all.length > 10);
  t.is(new Set(all.map((s) => s.name)).size, all.length, 'names are unique');
});
