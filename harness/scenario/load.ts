// Reads and validates scenario YAML; every error names the file, the field path and what is accepted.
import { readFile, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { HarnessError } from '../common/errors.ts';
import type { Action, Scenario, Step } from './types.ts';

const ERRNO = z.string().regex(/^(ok|E[A-Z0-9]+)$/, 'ok or an errno name such as EINVAL');
const PINNED = z
  .object({ result: z.union([ERRNO, z.array(ERRNO).nonempty()]).optional(), value: z.string().optional() })
  .strict();
const SYSFS = z.string().regex(/^\/(sys|proc)\//, 'an absolute path under /sys or /proc');
const NAME = z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'a device or driver name');
const common = { name: z.string().min(1).optional(), expect: PINNED.optional() };
const BINDING = z.object({ bus: z.enum(['cxl', 'dax']).default('cxl'), driver: NAME, device: NAME }).strict();
/** One schema per step kind, chosen by the kind's key, so errors speak of that kind only. */
const STEP_KINDS = {
  write: z.object({ ...common, write: SYSFS, value: z.union([z.string(), z.number()]) }).strict(),
  read: z.object({ ...common, read: SYSFS }).strict(),
  bind: z.object({ ...common, bind: BINDING }).strict(),
  unbind: z.object({ ...common, unbind: BINDING }).strict(),
  blocks: z.object({ ...common, blocks: z.object({ region: NAME, state: z.string().min(1) }).strict() }).strict(),
  poll: z.object({ ...common, poll: z.object({ path: SYSFS, value: z.union([z.string(), z.number()]).optional(), timeout: z.number().positive().max(600).default(20) }).strict() }).strict(),
  run: z.object({ ...common, run: z.string().regex(/^(cxl|daxctl) /, 'a cxl or daxctl command line') }).strict(),
};
const KIND_KEYS = Object.keys(STEP_KINDS) as (keyof typeof STEP_KINDS)[];
const STEP = z.record(z.unknown()).superRefine((raw, ctx) => {
  const kinds = KIND_KEYS.filter((k) => k in raw);
  if (kinds.length !== 1) {
    ctx.addIssue({ code: 'custom', message: `needs exactly one of: ${KIND_KEYS.join(', ')} (found ${kinds.length ? kinds.join(', ') : 'none'})` });
    return;
  }
  const r = STEP_KINDS[kinds[0]!].safeParse(raw);
  if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ ...issue, code: 'custom', message: issue.message, path: issue.path });
}).transform((raw) => {
  const kind = KIND_KEYS.find((k) => k in raw)!;
  return STEP_KINDS[kind].parse(raw);
});
const SCENARIO = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
    description: z.string().optional(),
    topology: z.string().default('default'),
    requires: z.array(NAME).default([]),
    variants: z
      .array(z.object({ name: z.string().regex(/^[A-Za-z0-9_-]+$/), cmdline: z.array(z.string().regex(/^\S+$/, 'one kernel parameter, no spaces')) }).strict())
      .nonempty()
      .default([{ name: 'default', cmdline: [] }]),
    steps: z.array(STEP).nonempty(),
  })
  .strict();
/** A shared step list, spliced in by an `include` step. */
const FRAGMENT = z.object({ description: z.string().optional(), steps: z.array(STEP).nonempty() }).strict();
const INCLUDE = /^[A-Za-z0-9_./-]+\.steps\.yaml$/;

type RawStep = z.infer<typeof STEP>;

function toStep(raw: RawStep): Step {
  let action: Action;
  if ('write' in raw) action = { kind: 'write', path: raw.write, value: String(raw.value) };
  else if ('read' in raw) action = { kind: 'read', path: raw.read };
  else if ('bind' in raw) action = { kind: 'bind', ...raw.bind };
  else if ('unbind' in raw) action = { kind: 'unbind', ...raw.unbind };
  else if ('blocks' in raw) action = { kind: 'blocks', ...raw.blocks };
  else if ('poll' in raw) {
    const { path, value, timeout } = raw.poll;
    action = { kind: 'poll', path, timeoutMs: timeout * 1000, ...(value !== undefined ? { value: String(value) } : {}) };
  } else action = { kind: 'run', command: raw.run };
  const pinned = raw.expect && {
    ...(raw.expect.result !== undefined ? { result: [raw.expect.result].flat() } : {}),
    ...(raw.expect.value !== undefined ? { value: raw.expect.value } : {}),
  };
  return { name: raw.name ?? describeAction(action), action, ...(pinned ? { pinned } : {}) };
}

export function describeAction(a: Action): string {
  switch (a.kind) {
    case 'write':
      return `${a.value} > ${a.path.replace('/sys/bus/cxl/devices/', '')}`;
    case 'read':
      return `read ${a.path.replace('/sys/bus/cxl/devices/', '')}`;
    case 'bind':
    case 'unbind':
      return `${a.kind} ${a.device} ${a.kind === 'bind' ? 'to' : 'from'} ${a.driver}`;
    case 'blocks':
      return `${a.state} > ${a.region} memory blocks`;
    case 'poll':
      return `wait for ${a.path.replace('/sys/bus/cxl/devices/', '')}${a.value !== undefined ? ` = ${a.value}` : ''}`;
    case 'run':
      return a.command;
  }
}

/** Formats a zod issue path as the scenario author sees it: steps[3].bind.driver */
function fieldPath(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(top level)';
}

function valueAt(root: unknown, path: (string | number)[]): unknown {
  return path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined), root);
}

function describeIssue(i: z.ZodIssue): string {
  if (i.code === 'unrecognized_keys') return `unknown key(s) ${i.keys.join(', ')} here`;
  if (i.code === 'invalid_enum_value') return `accepted: ${i.options.join(', ')}`;
  if (i.code === 'invalid_type') return `expected ${i.expected}`;
  return i.message;
}

function readYaml(text: string, file: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length) {
    throw new HarnessError(`${file}: not valid YAML`, { stage: 'input', details: doc.errors.map((e) => e.message.split('\n')[0]!) });
  }
  return doc.toJS();
}

function schemaError(file: string, raw: unknown, error: z.ZodError): HarnessError {
  const details = error.issues.slice(0, 5).map((i) => {
    const got = valueAt(raw, i.path);
    return `${fieldPath(i.path)}: ${got === undefined ? 'missing' : JSON.stringify(got)} is not accepted; ${describeIssue(i)}`;
  });
  return new HarnessError(`${file}: scenario does not match the schema`, { stage: 'input', details });
}

/** Replaces `include: x.steps.yaml` entries (paths relative to the including file) with the fragment's steps. */
async function expandIncludes(raw: unknown, file: string, depth = 0): Promise<unknown> {
  if (!raw || typeof raw !== 'object' || !Array.isArray((raw as { steps?: unknown }).steps)) return raw;
  const steps: unknown[] = [];
  for (const [i, step] of ((raw as { steps: unknown[] }).steps).entries()) {
    const inc = step && typeof step === 'object' ? (step as { include?: unknown }).include : undefined;
    if (inc === undefined) {
      steps.push(step);
      continue;
    }
    if (typeof inc !== 'string' || !INCLUDE.test(inc) || Object.keys(step as object).length !== 1 || depth > 4) {
      throw new HarnessError(`${file}: steps[${i}].include: ${JSON.stringify(inc)} is not accepted; a relative path to a *.steps.yaml file, alone in its step, nested at most 4 deep`, { stage: 'input' });
    }
    const path = join(dirname(file), inc);
    const text = await readFile(path, 'utf8').catch(() => {
      throw new HarnessError(`${file}: steps[${i}].include: ${path} cannot be read`, { stage: 'input' });
    });
    const fragment = (await expandIncludes(readYaml(text, path), path, depth + 1)) as unknown;
    const parsed = FRAGMENT.safeParse(fragment);
    if (!parsed.success) throw schemaError(path, fragment, parsed.error);
    steps.push(...(fragment as { steps: unknown[] }).steps);
  }
  return { ...(raw as object), steps };
}

export async function parseScenarioFile(file: string): Promise<Scenario> {
  const text = await readFile(file, 'utf8').catch(() => {
    throw new HarnessError(`${file}: cannot be read`, { stage: 'input' });
  });
  return parseScenario(await expandIncludes(readYaml(text, file), file), file);
}

export function parseScenario(raw: unknown, file: string): Scenario {
  const parsed = SCENARIO.safeParse(raw);
  if (!parsed.success) throw schemaError(file, raw, parsed.error);
  const s = parsed.data;
  return {
    name: s.name,
    file,
    ...(s.description ? { description: s.description } : {}),
    topology: s.topology,
    requires: s.requires,
    variants: s.variants,
    steps: s.steps.map(toStep),
  };
}

/** A scenario file, or every .yaml/.yml below a folder in path order. */
export async function loadScenarios(path: string): Promise<Scenario[]> {
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new HarnessError(`${path}: no such scenario file or folder`, { stage: 'input' });
  const files = st.isDirectory()
    ? (await readdir(path, { recursive: true })).filter((f) => /\.ya?ml$/.test(f) && !f.endsWith('.steps.yaml')).sort().map((f) => join(path, f))
    : [path];
  if (!files.length) throw new HarnessError(`${path}: no .yaml scenarios in this folder`, { stage: 'input' });
  return Promise.all(files.map((f) => parseScenarioFile(f)));
}
