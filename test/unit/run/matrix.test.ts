// The run matrix: test ids, jobs, and which jobs share a boot (same kernel, topology, effective command line).
import test from 'ava';
import { projectPath } from '../../../harness/common/project.ts';
import { BASE_CMDLINE } from '../../../harness/run/boot.ts';
import { bootGroups, bootKey, buildJobs, testId, type Job, type PreparedKernel } from '../../../harness/run/matrix.ts';
import { parseScenarioFile } from '../../../harness/scenario/load.ts';
import { loadTopologies, type LoadedTopology } from '../../../harness/topology/load.ts';

// The run matrix: test ids, jobs per kernel × topology × scenario × variant, and which jobs may share a boot (same
// kernel, topology and effective kernel command line; for name=value the kernel takes the later value).

const kernel = (spec: string) => ({ spec }) as unknown as PreparedKernel;
const [def] = await loadTopologies('default');
const [hb2] = await loadTopologies('hb2');
const kmem = await parseScenarioFile(projectPath('scenarios/stock/kmem.yaml'));
const pmem = await parseScenarioFile(projectPath('scenarios/stock/pmem.yaml'));
const key = (cmdline: string[], spec = 'debian:7.2', topology: LoadedTopology = def!) => bootKey({ kernel: kernel(spec), topology, cmdline });

test('the harness boots with memhp_default_state=offline (what "the same as the default" below means)', (t) => {
  t.true(BASE_CMDLINE.includes('memhp_default_state=offline'));
});

test('same kernel, topology and command line share a boot; another kernel or topology does not', (t) => {
  t.is(key(['movable_node']), key(['movable_node']));
  t.not(key([], 'debian:7.1'), key([]));
  t.not(key([], 'debian:7.2', hb2!), key([]));
});

test('only the effective command line counts: repeating the default changes nothing, another policy does', (t) => {
  t.is(key(['memhp_default_state=offline']), key([]));
  t.not(key(['memhp_default_state=online_movable']), key([]));
  t.not(key(['movable_node']), key([]));
});

test('memhp_default_state: the later value wins', (t) => {
  t.is(key(['memhp_default_state=online_movable', 'memhp_default_state=offline']), key([]));
  t.is(key(['memhp_default_state=offline', 'memhp_default_state=online_movable']), key(['memhp_default_state=online_movable']));
});

test('the order of distinct parameters and repeated flags do not matter', (t) => {
  t.is(key(['movable_node', 'memhp_default_state=online']), key(['memhp_default_state=online', 'movable_node']));
  t.is(key(['movable_node', 'movable_node']), key(['movable_node']));
});

test('testId: kernel/topology/scenario[variant]', (t) => {
  t.is(testId('debian:7.2', 'hb2', 'stock-kmem', 'offline'), 'debian:7.2/hb2/stock-kmem[offline]');
});

test('buildJobs: kernels × topologies × scenarios × variants, with expansion, steps and the variant\'s command line first', (t) => {
  const jobs = buildJobs([kernel('k1')], [def!, hb2!], [kmem, pmem], [], ['loglevel=8']);
  t.deepEqual(jobs.map((j) => j.id), [
    'k1/default/stock-kmem[offline]',
    'k1/default/stock-kmem[online_movable]',
    'k1/default/stock-pmem[default]',
    'k1/hb2/stock-kmem[offline]',
    'k1/hb2/stock-kmem[online_movable]',
    'k1/hb2/stock-pmem[default]',
  ]);
  t.deepEqual(jobs[1]!.cmdline, ['memhp_default_state=online_movable', 'loglevel=8']);
  t.true(jobs[0]!.steps.length > 0);
  t.true('notApplicable' in jobs[2]!.expansion, 'no persistent device on default');
  t.deepEqual(jobs[2]!.steps, []);
  t.deepEqual(buildJobs([kernel('k1')], [def!], [kmem, pmem], ['offline'], []).map((j) => j.id), ['k1/default/stock-kmem[offline]']);
});

test('bootGroups: groups in first-seen order, jobs in order, weight 8 s a boot plus 0.25 s a step, memory of the first job', (t) => {
  const job = (id: string, cmdline: string[], steps: number, topology: LoadedTopology = def!) => ({ id, kernel: kernel('k'), topology, cmdline, steps: Array.from({ length: steps }) }) as unknown as Job;
  const jobs = [
    job('a', [], 4),
    job('b', ['memhp_default_state=online_movable'], 8),
    job('c', ['memhp_default_state=offline'], 2),
    job('d', [], 0, hb2!),
    job('e', ['memhp_default_state=offline', 'memhp_default_state=online_movable'], 1),
  ];
  const memory = (j: Job) => (j.topology === def ? 1280 : 1536);
  const groups = bootGroups(jobs, memory);
  t.deepEqual(groups.map((g) => g.jobs.map((j) => j.id)), [['a', 'c'], ['b', 'e'], ['d']]);
  t.deepEqual(groups.map((g) => g.weight), [8 + 6 * 0.25, 8 + 9 * 0.25, 8]);
  t.deepEqual(groups.map((g) => g.memoryMiB), [1280, 1280, 1536]);
  t.is(groups[0]!.key, key([], 'k'));
});
