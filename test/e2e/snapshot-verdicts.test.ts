// Same verdicts with and without snapshots: each single-device scenario on a cold boot and on a restore.
import test from 'ava';
import { expandScenario } from '../../harness/scenario/expand.ts';
import { loadScenarios } from '../../harness/scenario/load.ts';
import { bootGuest } from '../../harness/run/boot.ts';
import { startState } from '../../harness/run/enumerate.ts';
import { loadTopologies } from '../../harness/topology/load.ts';
import { runScenario, type ScenarioOutcome } from './snapshot-scenario.ts';
import { assertAllGone, powerOff, snapshotBench } from './snapshot-guest.ts';
import { scenario as scenarioPath } from './cli.ts';
import type { StartedGuest } from '../../harness/snapshot/start.ts';

test('scenarios on a restored guest give the verdicts of a cold boot', async (t) => {
  const b = await snapshotBench();
  t.teardown(async () => {
    t.log(b.log.join('\n'));
    await b.cleanup();
  });
  const scenarios = (await Promise.all(['stock', 'negative', 'findings'].map((d) => loadScenarios(scenarioPath(d))))).flat();
  const rows: string[] = [];
  let compared = 0;
  // SNAPSHOT_TOPOLOGIES=pmem narrows a rerun.
  const names = process.env.SNAPSHOT_TOPOLOGIES?.split(',') ?? ['default', 'pmem'];
  for (const name of names) {
    const [loaded] = await loadTopologies(name);
    const topology = loaded!.topology;
    for (const s of scenarios) {
      const e = expandScenario(s, topology);
      if (!('steps' in e)) continue;
      for (const v of s.variants) {
        const id = `${name}/${s.name}[${v.name}]`;
        // Cold: a plain boot, as without snapshots. It also makes sure the key has a snapshot (saved after the boot step).
        let cold: ScenarioOutcome;
        let warm: ScenarioOutcome;
        let g: StartedGuest | undefined;
        const plain = await bootGuest({ runtime: b.runtime, kernel: b.kernel, image: b.image, topology, cmdline: v.cmdline, dir: `${b.dir}/cold-${compared}`, readyTimeoutMs: 120_000 });
        if (plain.vm.pid) b.pids.push(plain.vm.pid);
        try {
          cold = await runScenario(plain, topology, s, e.steps);
        } finally {
          await powerOff(plain);
        }
        try {
          g = await b.start(topology, v.cmdline, `seed-${compared}`);
          if (g.start === 'boot') {
            // First use of this key: the boot step, then the save; the restore below is the warm run.
            t.true((await startState(g, topology, [], 1)).record.pass, id);
            t.truthy(await g.saveSnapshot(), `${id}: no snapshot saved`);
            await powerOff(g);
            g = await b.start(topology, v.cmdline, `warm-${compared}`);
          }
          t.is(g.start, 'snapshot', `${id}: ${b.log.join('\n')}`);
          warm = await runScenario(g, topology, s, e.steps);
        } finally {
          await powerOff(g);
        }
        compared++;
        rows.push(`${id}: cold ${cold.verdict}${cold.error ? ` (${cold.error})` : ''} (boot step ${cold.bootStepMs} ms, steps ${cold.stepsMs} ms), restored ${warm.verdict} (boot step ${warm.bootStepMs} ms, steps ${warm.stepsMs} ms)`);
        t.is(warm.error, cold.error, id);
        t.is(warm.verdict, cold.verdict, id);
        t.deepEqual(warm.steps, cold.steps, id);
        t.deepEqual(warm.values, cold.values, id);
      }
    }
  }
  t.log(rows.join('\n'));
  if (!process.env.SNAPSHOT_TOPOLOGIES) t.true(compared >= 12, `only ${compared} scenario variants compared`);
  assertAllGone(t, b);
});
