// validateReport: parsed JSON → RunReport, checked against report.schema.json and the cross-references the schema cannot express.
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { HarnessError } from '../common/errors.ts';
import schema from './report.schema.json' with { type: 'json' };
import { testId } from './test-id.ts';
import { REPORT_SCHEMA_VERSION, type RunReport } from './types.ts';

/** Enough problems to locate a broken writer; one root cause usually explains the rest. */
const SHOWN = 5;

const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats.default(ajv);
const matchesSchema = ajv.compile<RunReport>(schema);

function describe(e: ErrorObject): string {
  const where = e.instancePath || '/';
  const p = e.params as { additionalProperty?: string; missingProperty?: string; allowedValues?: unknown[] };
  if (p.missingProperty !== undefined) return `${where}: missing "${p.missingProperty}"`;
  if (p.additionalProperty !== undefined) return `${where}: unknown field "${p.additionalProperty}"`;
  if (p.allowedValues) return `${where}: ${e.message} (${p.allowedValues.map((v) => JSON.stringify(v)).join(', ')})`;
  return `${where}: ${e.message}`;
}

/** What the schema cannot say: ids follow their fields and are unique, and names point at listed kernels, topologies and boots. */
function crossReferences(r: RunReport): string[] {
  const kernels = new Set(r.kernels.map((k) => k.spec));
  const topologies = new Set(r.topologies.map((t) => t.name));
  const boots = new Set(r.boots.map((b) => b.index));
  const seen = new Set<string>();
  const problems: string[] = [];
  r.tests.forEach((t, i) => {
    const at = `/tests/${i}`;
    if (t.id !== testId(t)) problems.push(`${at}/id: "${t.id}" is not "${testId(t)}" (kernel/topology/scenario[variant])`);
    if (seen.has(t.id)) problems.push(`${at}/id: "${t.id}" appears twice`);
    seen.add(t.id);
    if (!kernels.has(t.kernel)) problems.push(`${at}/kernel: "${t.kernel}" is not in /kernels`);
    if (!topologies.has(t.topology)) problems.push(`${at}/topology: "${t.topology}" is not in /topologies`);
    if (t.boot !== undefined && !boots.has(t.boot)) problems.push(`${at}/boot: ${t.boot} is not in /boots`);
  });
  if (boots.size !== r.boots.length) problems.push('/boots: an index appears twice');
  return problems;
}

function refuse(problems: string[]): never {
  const more = problems.length > SHOWN ? [`… ${problems.length - SHOWN} more`] : [];
  throw new HarnessError(`not a valid run report (schema version ${REPORT_SCHEMA_VERSION})`, {
    stage: 'report',
    details: [...problems.slice(0, SHOWN), ...more],
  });
}

export function validateReport(x: unknown): RunReport {
  const version = (x as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version !== undefined && version !== REPORT_SCHEMA_VERSION) {
    refuse([`/schemaVersion: ${JSON.stringify(version)}; this harness reads version ${REPORT_SCHEMA_VERSION}`]);
  }
  if (!matchesSchema(x)) refuse((matchesSchema.errors ?? []).map(describe));
  const problems = crossReferences(x);
  if (problems.length) refuse(problems);
  return x;
}
