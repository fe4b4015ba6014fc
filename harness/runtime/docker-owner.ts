// Who started a container: labels naming the run and the owning process (host, pid namespace, pid, start time), and whether that owner is gone.
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

export const LABEL = {
  /** Present on every container the harness starts: the sweep lists by it. */
  run: 'cxl-harness.run',
  role: 'cxl-harness.role',
  host: 'cxl-harness.owner.host',
  pidns: 'cxl-harness.owner.pidns',
  pid: 'cxl-harness.owner.pid',
  /** The owner's start time in clock ticks since boot (/proc/PID/stat field 22): a reused pid is not the owner. */
  start: 'cxl-harness.owner.start',
} as const;

export interface Owner {
  host: string;
  pidns: string;
  pid: number;
  start: string;
}

/** Field 22 of /proc/PID/stat, or undefined when there is no such process. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function currentOwner(): Owner {
  let pidns = 'unknown';
  try {
    pidns = readlinkSync('/proc/self/ns/pid');
  } catch {
    // No procfs: the sweep then leaves every container alone.
  }
  return { host: hostname(), pidns, pid: process.pid, start: processStart(process.pid) ?? 'unknown' };
}

export function ownerLabels(runId: string, role: string, o: Owner): Record<string, string> {
  return { [LABEL.run]: runId, [LABEL.role]: role, [LABEL.host]: o.host, [LABEL.pidns]: o.pidns, [LABEL.pid]: String(o.pid), [LABEL.start]: o.start };
}

/**
 * A container is a leftover when its owner ran on this host in this pid namespace and that process is gone (or the pid
 * now belongs to a later process). Containers of other hosts or namespaces are never judged: their owner cannot be seen.
 */
export function isLeftover(labels: Record<string, string>, here: Pick<Owner, 'host' | 'pidns'>, startOf: (pid: number) => string | undefined): boolean {
  if (labels[LABEL.host] !== here.host || labels[LABEL.pidns] !== here.pidns || here.pidns === 'unknown') return false;
  const pid = Number(labels[LABEL.pid]);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const start = startOf(pid);
  return start === undefined || start !== labels[LABEL.start];
}
