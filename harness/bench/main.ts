// `npm run bench [-- --parts P,...]`: stage timings of a stock-kmem run (cold and warm cache), boot→ready and suite
// time for switch4 against default, a 2 kernels × 2 topologies matrix with --jobs 1 and 2, boot against snapshot
// restore, and (part `source`) source-kernel builds. Prints figures; asserts nothing.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { projectPath } from '../common/project.ts';
import type { RunReport } from '../report/types.ts';
import { snapshotBench } from './snapshot.ts';
import { oneFilePatch } from './source.ts';
import { formatFigures, stageFigures, type StageSample } from './stats.ts';

const PARTS = ['stages', 'topologies', 'matrix', 'snapshot', 'source'] as const;

const { values } = parseArgs({
  options: {
    warm: { type: 'string', default: '3' },
    cold: { type: 'string', default: '0' },
    // Node 20's parseArgs has no --no-X: the parts to run are listed instead. source builds a kernel: not by default.
    parts: { type: 'string', default: 'stages,topologies,matrix,snapshot' },
    kernel: { type: 'string', default: 'debian:7.2' },
    second: { type: 'string', default: 'debian:6.12' },
    snapshot: { type: 'string', default: '3' },
  },
});
const parts = new Set(values.parts.split(',').filter(Boolean));
for (const p of parts) {
  if (!(PARTS as readonly string[]).includes(p)) {
    process.stderr.write(`bench: --parts: "${p}" is not a part; accepted: ${PARTS.join(', ')} (comma-separated)\n`);
    process.exit(2);
  }
}

/** One harness run as a user starts it; its report and wall time. */
async function harness(args: string[], cache?: string): Promise<{ report: RunReport; wall: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'cxl-bench-'));
  const t0 = Date.now();
  const r = await execa(projectPath('harness/main.js'), ['run', ...args, '--json', join(dir, 'r.json'), '--artifacts', join(dir, 'a')], { reject: false, env: cache ? { CXL_HARNESS_CACHE: cache } : {} });
  const wall = Date.now() - t0;
  const report = JSON.parse(await readFile(join(dir, 'r.json'), 'utf8').catch(() => 'null')) as RunReport | null;
  if (!report || ![0, 1].includes(r.exitCode ?? -1)) throw new Error(`bench run failed (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
  await rm(dir, { recursive: true, force: true });
  return { report, wall };
}

const kmem = [projectPath('scenarios/stock/kmem.yaml'), '--variant', 'offline'];

async function stages(cache?: string): Promise<StageSample> {
  const { report, wall } = await harness([...kmem, '--kernel', values.kernel], cache);
  const s = report.tests[0]!;
  const k = report.kernels[0]!;
  const guest = (s.timings.bootMs ?? 0) + (s.timings.sshMs ?? 0) + (s.timings.stepsMs ?? 0) + (s.timings.teardownMs ?? 0);
  return {
    'kernel fetch': k.timings.kernelMs ?? 0,
    'image build': k.timings.imageMs ?? 0,
    'boot to ready': s.timings.bootMs ?? 0,
    'ready to ssh': s.timings.sshMs ?? 0,
    'boot step (graph)': s.steps[0]?.ms ?? 0,
    steps: s.timings.stepsMs ?? 0,
    teardown: s.timings.teardownMs ?? 0,
    'whole run (wall)': wall,
    'harness overhead': wall - guest - (k.timings.kernelMs ?? 0) - (k.timings.imageMs ?? 0),
  };
}

const print = (title: string, samples: StageSample[]) => process.stdout.write(`\n${title}\n${formatFigures(stageFigures(samples))}\n`);

if (parts.has('stages')) {
  const cold: StageSample[] = [];
  for (let i = 0; i < Number(values.cold); i++) {
    const cache = await mkdtemp(join(tmpdir(), 'cxl-bench-cache-'));
    try {
      cold.push(await stages(cache));
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  }
  await stages(); // the real cache is warm before measuring
  const warm: StageSample[] = [];
  for (let i = 0; i < Number(values.warm); i++) warm.push(await stages());
  process.stdout.write(`stock-kmem [offline] on ${values.kernel}, ${process.env.CI ? 'CI' : 'local'}; ms\n`);
  if (cold.length) print(`cold cache (${cold.length} run(s))`, cold);
  print(`warm cache (${warm.length} runs)`, warm);
}

if (parts.has('topologies')) {
  // A four-device topology against the default one: boot to ready, the boot step (graph check), and the suite.
  const samples: StageSample[] = [];
  for (let i = 0; i < Number(values.warm); i++) {
    const row: StageSample = {};
    for (const topology of ['default', 'switch4']) {
      const one = await harness([...kmem, '--topology', topology]);
      row[`${topology} boot to ready`] = one.report.tests[0]!.timings.bootMs ?? 0;
      row[`${topology} boot step`] = one.report.tests[0]!.steps[0]?.ms ?? 0;
      row[`${topology} kmem steps`] = one.report.tests[0]!.timings.stepsMs ?? 0;
    }
    samples.push(row);
  }
  print(`switch4 against default (${samples.length} runs each)`, samples);
  const suites: StageSample[] = [];
  for (const topology of ['default', 'switch4']) {
    const { report, wall } = await harness([projectPath('scenarios'), '--topology', topology]);
    suites.push({ [`${topology} suite wall`]: wall, [`${topology} boots`]: report.boots.length, [`${topology} tests run`]: report.tests.filter((x) => x.verdict !== 'n/a').length });
  }
  print('whole suite per topology (1 run; counts are counts)', [Object.assign({}, ...suites) as StageSample]);
}

if (parts.has('matrix')) {
  // 2 kernels × 2 topologies of the stock scenarios, one VM at a time and two at once.
  const args = [projectPath('scenarios/stock'), '--kernel', values.kernel, '--kernel', values.second, '--topology', 'default', '--topology', 'switch2'];
  const row: StageSample = {};
  for (const jobs of [1, 2]) {
    const { report, wall } = await harness([...args, '--jobs', String(jobs)]);
    row[`--jobs ${jobs} wall`] = wall;
    row[`--jobs ${jobs} tests`] = report.tests.length;
  }
  row['speedup ×100'] = Math.round((row['--jobs 1 wall']! / row['--jobs 2 wall']!) * 100);
  print(`matrix ${values.kernel} + ${values.second} × default + switch2, stock scenarios (1 run)`, [row]);
}

if (parts.has('snapshot')) {
  // Post-boot snapshots (harness/snapshot): a boot and its boot step against a restore, default topology.
  const s = await snapshotBench(values.kernel, Number(values.snapshot), 4);
  const block = (title: string, xs: StageSample[]) => (xs.length ? `\n${title}\n${formatFigures(stageFigures(xs))}\n` : '');
  process.stdout.write(`\npost-boot snapshots, default topology (${values.snapshot} rounds of boot, save, 4 restores of each kind; MiB are MiB)`);
  process.stdout.write(block('boot', s.boot) + block('save', s.save) + block('restore when needed', s.restore) + block('restore prepared ahead (as a group does during a scenario), resumed when needed', s.prepared));
}

if (parts.has('source')) {
  // The harness config built from Debian's linux-source-7.2; the first call builds it if the cache lacks it.
  const samples: StageSample[] = [];
  await harness([...kmem, '--kernel', 'src:debian:7.2']);
  for (let i = 0; i < 3; i++) {
    const hit = await harness([...kmem, '--kernel', 'src:debian:7.2']);
    const rebuild = await harness([...kmem, '--kernel', 'src:debian:7.2', '--series', await oneFilePatch()]);
    samples.push({ 'cache hit': hit.report.kernels[0]!.timings.kernelMs ?? 0, 'one-file rebuild': rebuild.report.kernels[0]!.timings.kernelMs ?? 0, 'boot (built kernel)': hit.report.tests[0]?.timings.bootMs ?? 0 });
  }
  print('source kernel src:debian:7.2, harness config (3 runs; a cold build takes minutes)', samples);
}
