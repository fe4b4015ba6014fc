// Resolves --topology: a preset by name, "all" presets, or a YAML file; parsed, checked and normalised before anything boots.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { HarnessError } from '../common/errors.ts';
import { projectPath } from '../common/project.ts';
import { checkRules, type Issue } from './rules.ts';
import { normalise } from './rules.ts';
import { TOPOLOGY_FILE } from './schema.ts';
import type { Topology } from './types.ts';

export interface LoadedTopology {
  topology: Topology;
  /** The file it came from (presets too). */
  file: string;
  /** sha256 of the normalised topology: equal hashes, equal machines. */
  hash: string;
}

const PRESETS = projectPath('harness/topology/presets');

export async function presetNames(): Promise<string[]> {
  return (await readdir(PRESETS)).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -'.yaml'.length)).sort();
}

function fieldPath(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(top level)';
}

function valueAt(root: unknown, path: (string | number)[]): unknown {
  return path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined), root);
}

function zodIssue(raw: unknown, i: z.ZodIssue): Issue {
  const accepted =
    i.code === 'unrecognized_keys'
      ? `no such key (${i.keys.join(', ')}); see harness/topology/presets/ for examples`
      : i.code === 'invalid_type'
        ? `${i.expected}${i.received === 'undefined' ? ' (the key is required)' : ''}`
        : i.code === 'invalid_enum_value'
          ? `one of: ${i.options.join(', ')}`
          : i.message;
  const value = i.code === 'unrecognized_keys' ? valueAt(raw, [...i.path, i.keys[0]!]) : valueAt(raw, i.path);
  return { field: fieldPath(i.code === 'unrecognized_keys' ? [...i.path, i.keys[0]!] : i.path), value, accepted };
}

function refuse(file: string, issues: Issue[]): never {
  const [first, ...rest] = issues;
  throw new HarnessError(`${file}: ${first!.field}: ${JSON.stringify(first!.value) ?? 'missing'} is not accepted; ${first!.accepted}`, {
    stage: 'input',
    details: rest.slice(0, 6).map((i) => `${i.field}: ${JSON.stringify(i.value) ?? 'missing'} is not accepted; ${i.accepted}`),
  });
}

export function parseTopology(text: string, file: string): Topology {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new HarnessError(`${file}${e.linePos?.[0] ? `:${e.linePos[0].line}` : ''}: YAML syntax error: ${e.message.split('\n')[0]}`, { stage: 'input' });
  }
  const raw = doc.toJS() as unknown;
  const parsed = TOPOLOGY_FILE.safeParse(raw);
  if (!parsed.success) refuse(file, parsed.error.issues.map((i) => zodIssue(raw, i)));
  const issues = checkRules(parsed.data);
  if (issues.length) refuse(file, issues);
  return normalise(parsed.data);
}

export function topologyHash(t: Topology): string {
  return createHash('sha256').update(JSON.stringify(t)).digest('hex').slice(0, 16);
}

async function loadFile(file: string): Promise<LoadedTopology> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new HarnessError(`${file}: cannot read topology file (${err.code ?? err.message})`, { stage: 'input' });
  });
  const topology = parseTopology(text, file);
  return { topology, file, hash: topologyHash(topology) };
}

/** One --topology value: a preset name, "all", or a path (relative to cwd). */
export async function loadTopologies(ref: string): Promise<LoadedTopology[]> {
  const presets = await presetNames();
  if (ref === 'all') return Promise.all(presets.map((p) => loadFile(resolve(PRESETS, `${p}.yaml`))));
  if (presets.includes(ref)) return [await loadFile(resolve(PRESETS, `${ref}.yaml`))];
  if (!/[./]/.test(ref)) {
    throw new HarnessError(`--topology: "${ref}" is not accepted; a preset (${presets.join(', ')}), "all", or a topology YAML file path`, { stage: 'input' });
  }
  return [await loadFile(resolve(ref))];
}
