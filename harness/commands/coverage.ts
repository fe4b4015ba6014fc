// `cxl-harness coverage`: documented refusal → the scenario steps that exercise it, and "exercised X of Y".
import { writeFile } from 'node:fs/promises';
import { refusalCoverage } from '../coverage/refusals.ts';
import { projectPath } from '../common/project.ts';
import { loadScenarios } from '../scenario/load.ts';
import { loadTopologies } from '../topology/load.ts';
import { parseOptions } from './options.ts';
import type { Command } from './types.ts';

const USAGE = `usage: cxl-harness coverage [SCENARIO_OR_DIR ...] [--topology T]... [--json F]
  Lists every refusal in the model's facts with the scenario steps whose prediction is that refusal, on the
  topologies given (default: all presets), or the reason no scenario can reach it under QEMU.
  Exit 1 when a refusal has neither a step nor a reason.`;

async function main(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseOptions(argv, { topology: { type: 'string', multiple: true }, json: { type: 'string' } } as const, USAGE);
  const scenarios = (await Promise.all((positionals.length ? positionals : [projectPath('scenarios')]).map((p) => loadScenarios(p)))).flat();
  const topologies = (await Promise.all((v.topology?.length ? v.topology : ['all']).map((t) => loadTopologies(t)))).flat();
  const rows = refusalCoverage(scenarios, topologies);
  const out: string[] = [];
  for (const r of rows) {
    const state = r.exercised.length ? `${r.exercised.length} step(s)` : r.unreachable ? 'unreachable' : 'NOT EXERCISED';
    out.push(`${r.id.padEnd(34)} ${r.errno.padEnd(7)} ${state}`);
    if (r.exercised.length) {
      const first = r.exercised.slice(0, 3).map((e) => `${e.scenario}@${e.topology} #${e.step}`);
      out.push(`    ${first.join(', ')}${r.exercised.length > 3 ? `, … ${r.exercised.length - 3} more` : ''}`);
    } else out.push(`    ${r.unreachable ?? `${r.summary} (${r.where})`}`);
  }
  const reachable = rows.filter((r) => !r.unreachable || r.exercised.length);
  const exercised = reachable.filter((r) => r.exercised.length);
  out.push('', `exercised ${exercised.length} of ${reachable.length} reachable documented refusals (${rows.length - reachable.length} unreachable under QEMU, listed with the reason)`);
  process.stdout.write(`${out.join('\n')}\n`);
  if (v.json) await writeFile(v.json, `${JSON.stringify(rows, null, 2)}\n`);
  return exercised.length === reachable.length ? 0 : 1;
}

export const coverageCommand: Command = { name: 'coverage', summary: 'documented refusals and the scenario steps that exercise them', usage: USAGE, main };
