// Every scenario of the suite, on every preset it declares it fits, resolves each role its steps name: a scenario whose
// `needs` undercounts (two devices, one of them persistent) would otherwise error on that topology at run time.
import test from 'ava';
import { projectPath } from '../../../harness/common/project.ts';
import { loadScenarios } from '../../../harness/scenario/load.ts';
import { expandScenario } from '../../../harness/scenario/expand.ts';
import { presetNames } from '../../../harness/topology/load.ts';
import { dryRun, preset } from '../model/world.ts';

const scenarios = await loadScenarios(projectPath('scenarios'));
const presets = await presetNames();

for (const name of presets) {
  test(`${name}: every applicable scenario's roles resolve`, (t) => {
    const topology = preset(name);
    const ran: string[] = [];
    for (const s of scenarios) {
      if ('notApplicable' in expandScenario(s, topology)) continue;
      t.notThrows(() => dryRun(s, topology, s.variants[0]!.name), `${s.name} (${s.file})`);
      ran.push(s.name);
    }
    t.true(ran.length > 0);
  });
}
