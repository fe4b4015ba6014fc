// Runs boot groups in parallel: at most `jobs` VMs at once and never more guest memory than the budget; the longest
// groups start first so the run ends as early as it can.
import { availableParallelism, freemem } from 'node:os';
import type { BootGroup } from './matrix.ts';

/** QEMU's own memory beside the guest's (TCG translation cache, device state), per VM. */
export const QEMU_OVERHEAD_MIB = 384;

/** Memory the run may give to guests: most of what the host has free now. */
export function memoryBudgetMiB(): number {
  return Math.floor((freemem() / 2 ** 20) * 0.8);
}

/** Default parallelism: one VM per two cores (each guest has 2 vCPUs under TCG), within the memory budget. */
export function defaultJobs(groups: BootGroup[], budgetMiB: number): number {
  const biggest = Math.max(1, ...groups.map((g) => g.memoryMiB));
  return Math.max(1, Math.min(Math.floor(availableParallelism() / 2), Math.floor(budgetMiB / biggest)));
}

/** The order groups start in: longest first. With one VM at a time, exactly this order. */
export function scheduleOrder(groups: BootGroup[]): BootGroup[] {
  return [...groups].sort((a, b) => b.weight - a.weight);
}

export async function schedule(groups: BootGroup[], jobs: number, budgetMiB: number, run: (g: BootGroup) => Promise<void>, aborted: () => boolean): Promise<void> {
  const queue = scheduleOrder(groups);
  let used = 0;
  const running = new Set<Promise<void>>();
  while (queue.length || running.size) {
    const i = queue.findIndex((g) => running.size === 0 || used + g.memoryMiB <= budgetMiB);
    if (!aborted() && i >= 0 && running.size < jobs) {
      const g = queue.splice(i, 1)[0]!;
      used += g.memoryMiB;
      const p: Promise<void> = run(g).finally(() => {
        used -= g.memoryMiB;
        running.delete(p);
      });
      running.add(p);
      continue;
    }
    if (aborted()) queue.length = 0;
    if (running.size) await Promise.race(running).catch(() => undefined);
  }
}
