// One test's reproduction bundle: what it ran on (kernel identity or binary, topology, scenario, QEMU argv, image
// packages) and what it saw (op log with errnos, snapshots, console, dmesg), stored once per content.
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { writeBundle, type BundleEntry } from '../bundle/write.ts';
import { exists } from '../common/fs.ts';
import { debIdentity } from '../kernel/deb-identity.ts';
import type { TestReport } from '../report/types.ts';
import { HARNESS_VERSION } from './version.ts';
import type { Job } from './matrix.ts';

/** The spec that fetches exactly this Debian kernel again, e.g. debian:7.2=7.2.13-1; the spec as given otherwise. */
function pinned(job: Job): string {
  const spec = job.kernel.spec;
  const version = job.kernel.image.packages[0]?.version;
  return /^debian:[0-9.]+$/.test(spec) && version ? `${spec}=${version}` : spec;
}

/** Every regular file under `dir`, named `prefix/<relative path>`. */
async function tree(dir: string, prefix: string): Promise<BundleEntry[]> {
  const found = await readdir(dir, { withFileTypes: true, recursive: true });
  const files = found
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort()
    .map((path) => ({ name: `${prefix}/${relative(dir, path).split(sep).join('/')}`, path }));
  // Scripts (kselftests) keep their execute bits.
  return Promise.all(files.map(async (e) => ({ ...e, mode: (await stat(e.path)).mode & 0o7777 })));
}

/** Names inside the bundle for the scenario and its includes: relative to their common folder, so no "..". */
function scenarioEntries(job: Job): BundleEntry[] {
  const dirs = job.scenario.sources.map((f) => dirname(f));
  let common = dirs[0]!;
  while (!dirs.every((d) => d === common || d.startsWith(`${common}${sep}`))) common = dirname(common);
  return job.scenario.sources.map((f) => ({ name: `scenario/${relative(common, f)}`, path: f }));
}

export async function writeTestBundle(job: Job, report: TestReport, dir: string, runDir: string, append: string[], qemu: string | undefined): Promise<{ path: string; bytes: number }> {
  const k = job.kernel.image;
  const entries: BundleEntry[] = [...scenarioEntries(job), { name: `topology/${job.topology.topology.name}.yaml`, path: job.topology.file }];
  const source = k.source ? { ...k.source } : undefined;
  // Built or local kernels travel in the bundle; a Debian kernel is named by its exact package version.
  const carried = k.packages.length === 0;
  let modules: string | undefined;
  if (carried) {
    entries.push({ name: 'kernel/bzImage', path: k.vmlinuz });
    const config = join(dirname(k.vmlinuz), '.config');
    if (await exists(config)) entries.push({ name: 'kernel/.config', path: config });
    if (k.selftests) entries.push(...(await tree(k.selftests, 'kernel/selftests')));
    if (k.modulesDir) {
      modules = `kernel/modules/${basename(k.modulesDir)}`;
      entries.push(...(await tree(k.modulesDir, modules)));
    }
  }
  for (const f of ['steps.json', 'snapshots.jsonl']) if (await exists(join(dir, f))) entries.push({ name: f, path: join(dir, f) });
  if (report.boot !== undefined) {
    const boot = join(runDir, `boot-${report.boot}`);
    for (const f of ['console.log', 'qemu-command.sh']) if (await exists(join(boot, f))) entries.push({ name: `boot/${f}`, path: join(boot, f) });
  }
  const scenarioFile = scenarioEntries(job)[0]!.name;
  const manifest = {
    kind: 'cxl-harness test bundle',
    harness: HARNESS_VERSION,
    test: { id: report.id, scenario: report.scenario, variant: report.variant, verdict: report.verdict, ...(report.firstFailure ? { firstFailure: { step: report.firstFailure.step, name: report.firstFailure.name, ...(report.firstFailure.observed ? { observed: report.firstFailure.observed } : {}) } } : {}) },
    kernel: {
      spec: job.kernel.spec,
      release: k.release,
      ...(source ? { source } : {}),
      ...(carried ? { replay: { bzImage: 'kernel/bzImage', ...(modules ? { modules } : {}) } } : { packages: await debIdentity(k.packages), replay: { spec: pinned(job) } }),
    },
    topology: { name: job.topology.topology.name, hash: job.topology.hash, file: `topology/${job.topology.topology.name}.yaml` },
    scenario: { file: scenarioFile, variant: job.variant.name, append },
    cmdline: report.cmdline,
    qemu: qemu ?? 'unknown',
    image: { key: job.kernel.guest.key, packages: job.kernel.guest.packages },
  };
  const path = `${dir}.bundle.tar.gz`;
  const { bytes } = await writeBundle(path, { manifest, entries });
  return { path, bytes };
}
