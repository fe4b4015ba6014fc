// The run's matrix: kernels × topologies × scenarios × variants as jobs, grouped by what a boot can share (kernel,
// topology, effective kernel parameters), with an expected duration per group for sharding and scheduling.
import type { GuestImage } from '../image/build.ts';
import type { SourceInfo } from '../kernel/source/build.ts';
import type { KernelImage } from '../kernel/types.ts';
import type { KernelReport } from '../report/types.ts';
import { expandScenario, type Expansion } from '../scenario/expand.ts';
import type { Scenario, Step, Variant } from '../scenario/types.ts';
import type { LoadedTopology } from '../topology/load.ts';
import { BASE_CMDLINE } from './boot.ts';

export interface PreparedKernel {
  spec: string;
  image: KernelImage & { source?: SourceInfo };
  guest: GuestImage;
  /** Series definitions (scenarios/series/<name>) the harness applied to this kernel. */
  appliedSeries: string[];
  report: KernelReport;
  /** Drivers and device attributes the guests of this kernel showed during the run (run/surface.ts). */
  surface: Set<string>;
  /** The baseline of a series run: its surface is compared with the series kernel's. */
  baseline: boolean;
}

export interface Job {
  /** "<kernel spec>/<topology>/<scenario>[<variant>]": the test id in every report. */
  id: string;
  kernel: PreparedKernel;
  topology: LoadedTopology;
  scenario: Scenario;
  variant: Variant;
  cmdline: string[];
  expansion: Expansion;
  steps: Step[];
}

export interface BootGroup {
  key: string;
  jobs: Job[];
  /** Expected seconds: what sharding balances and scheduling orders by. */
  weight: number;
  /** Host memory the group's VM takes (MiB), for the parallel budget. */
  memoryMiB: number;
}

/** Seconds a boot costs under TCG, and a step on average (bench figures on 2 cores). */
const BOOT_S = 8;
const STEP_S = 0.25;

export function testId(kernel: string, topology: string, scenario: string, variant: string): string {
  return `${kernel}/${topology}/${scenario}[${variant}]`;
}

export function buildJobs(kernels: PreparedKernel[], topologies: LoadedTopology[], scenarios: Scenario[], variants: string[], append: string[]): Job[] {
  const jobs: Job[] = [];
  for (const kernel of kernels) {
    for (const topology of topologies) {
      for (const scenario of scenarios) {
        const expansion = expandScenario(scenario, topology.topology);
        for (const variant of scenario.variants.filter((v) => !variants.length || variants.includes(v.name))) {
          jobs.push({ id: testId(kernel.spec, topology.topology.name, scenario.name, variant.name), kernel, topology, scenario, variant, cmdline: [...variant.cmdline, ...append], expansion, steps: 'steps' in expansion ? expansion.steps : [] });
        }
      }
    }
  }
  return jobs;
}

/** Jobs that may share a boot: same kernel, topology and effective kernel parameters (for name=value, the last one wins). */
export function bootKey(j: Pick<Job, 'kernel' | 'topology' | 'cmdline'>): string {
  const params = new Map<string, string>();
  for (const p of [...BASE_CMDLINE, ...j.cmdline]) params.set(p.includes('=') ? p.slice(0, p.indexOf('=')) : p, p);
  return JSON.stringify([j.kernel.spec, j.topology.hash, [...params.values()].sort()]);
}

/** Groups in first-seen order, jobs in file order inside each. */
export function bootGroups(jobs: Job[], memoryMiB: (j: Job) => number): BootGroup[] {
  const groups = new Map<string, BootGroup>();
  for (const job of jobs) {
    const key = bootKey(job);
    const g = groups.get(key) ?? { key, jobs: [], weight: BOOT_S, memoryMiB: memoryMiB(job) };
    g.jobs.push(job);
    g.weight += job.steps.length * STEP_S;
    groups.set(key, g);
  }
  return [...groups.values()];
}
