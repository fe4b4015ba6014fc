// `npm run bench`: times each stage of a stock-kmem run, cold (empty cache) and warm, and prints median and spread.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { projectPath } from '../common/project.ts';
import type { RunReport } from '../report/types.ts';
import { oneFilePatch } from './source.ts';
import { stageFigures, formatFigures, type StageSample } from './stats.ts';

const { values } = parseArgs({
  options: {
    warm: { type: 'string', default: '5' },
    cold: { type: 'string', default: '1' },
    suite: { type: 'string', default: '1' },
    kernel: { type: 'string', default: 'debian:7.2' },
    source: { type: 'boolean', default: false },
  },
});

/** One harness run as a user starts it; its report and wall time. */
async function harness(args: string[], cache?: string, kernel = values.kernel): Promise<{ report: RunReport; wall: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'cxl-bench-'));
  const t0 = Date.now();
  const r = await execa(projectPath('harness/main.js'), ['run', ...args, '--kernel', kernel, '--json', join(dir, 'r.json'), '--artifacts', join(dir, 'a')], {
    reject: false,
    env: cache ? { CXL_HARNESS_CACHE: cache } : {},
  });
  const wall = Date.now() - t0;
  if (r.exitCode !== 0) throw new Error(`bench run failed (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
  const report = JSON.parse(await readFile(join(dir, 'r.json'), 'utf8')) as RunReport;
  await rm(dir, { recursive: true, force: true });
  return { report, wall };
}

async function once(cache?: string): Promise<StageSample> {
  const { report, wall } = await harness([projectPath('scenarios/stock/kmem.yaml'), '--variant', 'offline'], cache);
  const s = report.scenarios[0]!;
  const guest = (s.timings.bootMs ?? 0) + (s.timings.sshMs ?? 0) + (s.timings.stepsMs ?? 0) + (s.timings.teardownMs ?? 0);
  return {
    'kernel fetch': report.timings.kernelMs ?? 0,
    'image build': report.timings.imageMs ?? 0,
    'boot to ready': s.timings.bootMs ?? 0,
    'ready to ssh': s.timings.sshMs ?? 0,
    steps: s.timings.stepsMs ?? 0,
    teardown: s.timings.teardownMs ?? 0,
    'whole run (wall)': wall,
    'harness overhead': wall - guest - (report.timings.kernelMs ?? 0) - (report.timings.imageMs ?? 0),
  };
}

const cold: StageSample[] = [];
for (let i = 0; i < Number(values.cold); i++) {
  const cache = await mkdtemp(join(tmpdir(), 'cxl-bench-cache-'));
  try {
    cold.push(await once(cache));
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
}
await once(); // makes sure the real cache is warm before measuring
const warm: StageSample[] = [];
for (let i = 0; i < Number(values.warm); i++) warm.push(await once());

process.stdout.write(`stock-kmem [offline] on ${values.kernel}, ${process.env.CI ? 'CI' : 'local'}; ms\n`);
if (cold.length) process.stdout.write(`\ncold cache (${cold.length} run${cold.length > 1 ? 's' : ''})\n${formatFigures(stageFigures(cold))}\n`);
process.stdout.write(`\nwarm cache (${warm.length} runs)\n${formatFigures(stageFigures(warm))}\n`);

const suites: StageSample[] = [];
for (let i = 0; i < Number(values.suite); i++) {
  const { report, wall } = await harness([projectPath('scenarios')]);
  const ran = report.scenarios.filter((s) => s.verdict !== 'n/a');
  suites.push({
    'suite wall': wall,
    boots: report.boots,
    'scenario runs': ran.length,
    'not applicable': report.scenarios.length - ran.length,
    'mean per run': Math.round(wall / Math.max(1, ran.length)),
  });
}
if (suites.length) process.stdout.write(`\ndefault suite (scenarios/, ${suites.length} run${suites.length > 1 ? 's' : ''}; counts are counts)\n${formatFigures(stageFigures(suites))}\n`);

if (values.source) {
  // The harness config built from Debian's linux-source-7.2; the first call builds it if the cache lacks it.
  const kmem = [projectPath('scenarios/stock/kmem.yaml'), '--variant', 'offline'];
  const samples: StageSample[] = [];
  await harness(kmem, undefined, 'src:debian:7.2');
  for (let i = 0; i < 3; i++) {
    const hit = await harness(kmem, undefined, 'src:debian:7.2');
    const rebuild = await harness([...kmem, '--series', await oneFilePatch()], undefined, 'src:debian:7.2');
    samples.push({ 'cache hit': hit.report.timings.kernelMs ?? 0, 'one-file rebuild': rebuild.report.timings.kernelMs ?? 0, 'boot (built kernel)': hit.report.scenarios[0]?.timings.bootMs ?? 0 });
  }
  process.stdout.write(`\nsource kernel src:debian:7.2, harness config (3 runs; cold build: see the issue, it takes minutes)\n${formatFigures(stageFigures(samples))}\n`);
}
