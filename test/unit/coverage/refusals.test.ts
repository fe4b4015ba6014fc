// Refusal coverage of the suite: every documented refusal in the model's facts is exercised by a scenario step on some
// preset, or names why no scenario can reach it under QEMU.
import test from 'ava';
import { projectPath } from '../../../harness/common/project.ts';
import { refusalCoverage } from '../../../harness/coverage/refusals.ts';
import { loadScenarios } from '../../../harness/scenario/load.ts';
import { loadTopologies } from '../../../harness/topology/load.ts';

const coverage = refusalCoverage(await loadScenarios(projectPath('scenarios')), await loadTopologies('all'));

test('every documented refusal has a step on some preset or a reason it is unreachable', (t) => {
  t.true(coverage.length > 50);
  t.deepEqual(coverage.filter((c) => !c.exercised.length && !c.unreachable).map((c) => `${c.id} (${c.errno})`), []);
});

test('an unreachable refusal that a step does reach is no longer unreachable', (t) => {
  t.deepEqual(coverage.filter((c) => c.exercised.length && c.unreachable).map((c) => c.id), []);
});

test('a refusal the documents allow as an alternative outcome counts through the step that risks it', (t) => {
  const unmovable = coverage.find((c) => c.id === 'memory.offline.unmovable')!;
  t.true(unmovable.exercised.some((e) => e.scenario === 'kmem-state-kernel-zone'), JSON.stringify(unmovable.exercised));
});
