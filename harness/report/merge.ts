// Shard reports → one report: kernels, topologies, tests and boots united, boots renumbered, verdict and exit code recomputed.
import { dirname, sep } from 'node:path';
import { HarnessError } from '../common/errors.ts';
import { asReport, type ReportFile } from './read.ts';
import type { BootReport, RunReport, TestReport } from './types.ts';
import { exitCodeFor, runVerdict } from './verdict.ts';

interface Part {
  file: string;
  report: RunReport;
}

function refuse(message: string): never {
  throw new HarnessError(message, { stage: 'input' });
}

/** Every report that states `what` (schema version, harness version, QEMU) must state the same: merged results must be comparable. */
function agree(files: string[], what: string, values: unknown[]): void {
  const first = values.findIndex((v) => v !== undefined);
  values.forEach((v, i) => {
    if (v !== undefined && v !== values[first]) {
      refuse(`${files[first]} has ${what} ${JSON.stringify(values[first])}, ${files[i]} has ${JSON.stringify(v)}: merge reports of one ${what}`);
    }
  });
}

/** Items by key, first occurrence kept; the same key with a different `identity` is refused (e.g. two topologies named alike). */
function union<T>(parts: Part[], items: (r: RunReport) => T[], key: (t: T) => string, identity: (t: T) => string, what: string): T[] {
  const seen = new Map<string, { item: T; file: string }>();
  for (const p of parts) {
    for (const item of items(p.report)) {
      const first = seen.get(key(item));
      if (!first) seen.set(key(item), { item, file: p.file });
      else if (identity(first.item) !== identity(item)) {
        refuse(`${what} "${key(item)}" is ${identity(first.item)} in ${first.file} but ${identity(item)} in ${p.file}`);
      }
    }
  }
  return [...seen.values()].map((s) => s.item);
}

function tests(parts: Part[], renumber: Map<string, number>): TestReport[] {
  const from = new Map<string, string>();
  const all: TestReport[] = [];
  parts.forEach((p, i) => {
    for (const t of p.report.tests) {
      const other = from.get(t.id);
      if (other) refuse(`test "${t.id}" is in both ${other} and ${p.file}: each test belongs to one shard`);
      from.set(t.id, p.file);
      all.push(t.boot === undefined ? t : { ...t, boot: renumber.get(`${i}:${t.boot}`)! });
    }
  });
  return all.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The innermost folder holding every shard's artifacts. */
function commonDir(paths: string[]): string {
  let dir = paths[0]!;
  while (!paths.every((p) => p === dir || p.startsWith(dir.endsWith(sep) ? dir : `${dir}${sep}`)) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** Boots in input order, numbered from 1; `renumber` maps "<input>:<old index>" to the new index. */
function boots(parts: Part[], renumber: Map<string, number>): BootReport[] {
  const all: BootReport[] = [];
  parts.forEach((p, i) => {
    for (const b of p.report.boots) {
      all.push({ ...b, index: all.length + 1 });
      renumber.set(`${i}:${b.index}`, all.length);
    }
  });
  return all;
}

export function mergeReports(inputs: ReportFile[], o: { docStrict: boolean }): RunReport {
  if (!inputs.length) refuse('merge needs at least one report');
  const files = inputs.map((i) => i.file);
  agree(files, 'schema version', inputs.map((i) => (i.data as { schemaVersion?: unknown } | null)?.schemaVersion));
  const parts = inputs.map((i) => ({ file: i.file, report: asReport(i) }));
  const reports = parts.map((p) => p.report);
  agree(files, 'harness version', reports.map((r) => r.harness.version));
  agree(files, 'QEMU', reports.map((r) => r.qemu));
  const renumber = new Map<string, number>();
  const bootList = boots(parts, renumber);
  const testList = tests(parts, renumber);
  const starts = reports.map((r) => Date.parse(r.startedAt));
  const ends = reports.map((r, i) => starts[i]! + r.timings.totalMs);
  const provision = reports.flatMap((r) => (r.timings.provisionMs === undefined ? [] : [r.timings.provisionMs]));
  const errors = parts.flatMap((p) => (p.report.error === undefined ? [] : [`${p.file}: ${p.report.error}`]));
  const error = errors.length ? errors.join('\n') : undefined;
  const qemu = reports.find((r) => r.qemu !== undefined)?.qemu;
  return {
    schemaVersion: reports[0]!.schemaVersion,
    harness: reports[0]!.harness,
    verdict: runVerdict(testList, error),
    exitCode: exitCodeFor({ tests: testList, error }, o),
    startedAt: reports[starts.indexOf(Math.min(...starts))]!.startedAt,
    ...(qemu !== undefined ? { qemu } : {}),
    kernels: union(parts, (r) => r.kernels, (k) => k.spec, (k) => `release "${k.release}"`, 'kernel'),
    topologies: union(parts, (r) => r.topologies, (t) => t.name, (t) => `hash ${t.hash}`, 'topology'),
    tests: testList,
    boots: bootList,
    // Shards may run side by side or one after another: the merged run spans the first start to the last end.
    timings: { ...(provision.length ? { provisionMs: Math.max(...provision) } : {}), totalMs: Math.max(...ends) - Math.min(...starts) },
    artifacts: commonDir(reports.map((r) => r.artifacts)),
    ...(error !== undefined ? { error } : {}),
  };
}
