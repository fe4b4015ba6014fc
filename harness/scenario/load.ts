// Reads and validates scenario YAML; every error names the file, the field path and what is accepted. Scalars are
// read as written (YAML's failsafe schema): "1e309", "0x10000000" and "010" reach the kernel byte for byte.
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { HarnessError } from '../common/errors.ts';
import { DEFINITION_FILES, SERIES_DIR } from '../model/series/registry.ts';
import { describeAction } from './describe.ts';
import type { Action, RawStep, Scenario, Step } from './types.ts';

const NUM = z.string().regex(/^\d+$/, 'a whole number').transform(Number);
const BOOL = z.enum(['true', 'false']).transform((v) => v === 'true');
const ERRNO = z.string().regex(/^(ok|E[A-Z0-9]+)$/, 'ok or an errno name such as EINVAL');
const PINNED = z.object({ result: z.union([ERRNO, z.array(ERRNO).nonempty()]).optional(), value: z.string().optional() }).strict();
/** Absolute sysfs/proc paths; ${role} templates are resolved when the step runs. */
const PATH = z.string().regex(/^\/(sys|proc)\//, 'an absolute path under /sys or /proc');
const NAME = z.string().regex(/^[A-Za-z0-9_.:${}-]+$/, 'a device or driver name, or a ${role}');
const common = { name: z.string().min(1).optional(), expect: PINNED.optional() };
const BINDING = z.object({ bus: z.enum(['cxl', 'dax']).default('cxl'), driver: NAME, device: NAME }).strict();
const MODE = z.enum(['ram', 'pmem']);

/** One schema per step kind, chosen by the kind's key, so errors speak of that kind only. */
const STEP_KINDS = {
  write: z.object({ ...common, write: PATH, value: z.string() }).strict(),
  read: z.object({ ...common, read: PATH }).strict(),
  bind: z.object({ ...common, bind: BINDING }).strict(),
  unbind: z.object({ ...common, unbind: BINDING }).strict(),
  blocks: z.object({ ...common, blocks: z.object({ region: NAME.default('${region}'), state: z.string().min(1) }).strict() }).strict(),
  poll: z.object({ ...common, poll: z.object({ path: PATH, value: z.string().optional(), timeout: NUM.default('20') }).strict() }).strict(),
  run: z.object({ ...common, run: z.string().regex(/^(cxl|daxctl|ndctl) /, 'a cxl, daxctl or ndctl command line') }).strict(),
  data: z.object({ ...common, data: z.object({ region: NAME.default('${region}'), samples: NUM.default('16') }).strict() }).strict(),
  selftest: z
    .object({
      ...common,
      selftest: z.object({ path: z.string().regex(/^tools\/testing\/selftests\/[A-Za-z0-9_./-]+$/, 'a path under tools/testing/selftests/ of the tree under test'), env: z.record(z.string()).default({}), timeout: NUM.default('600') }).strict(),
    })
    .strict(),
  kexec: z.object({ ...common, kexec: z.object({}).strict() }).strict(),
  requires: z.object({ ...common, requires: z.object({ path: PATH, capability: z.string().optional() }).strict() }).strict(),
  region: z
    .object({
      name: z.string().optional(),
      region: z
        .object({ as: z.string().regex(/^[a-z][a-z0-9_]*$/).optional(), window: NUM.optional(), mode: MODE.default('ram'), ways: NUM.optional(), granularity: NUM.optional(), sizeMiB: NUM.optional(), decoder: NUM.default('0'), commit: BOOL.default('true'), order: z.array(NUM).optional() })
        .strict(),
    })
    .strict(),
  teardown: z
    .object({ name: z.string().optional(), teardown: z.object({ of: z.string().optional(), only: z.array(z.enum(['decommit', 'detach', 'free', 'delete'])).nonempty().default(['decommit', 'detach', 'free', 'delete']) }).strict() })
    .strict(),
  create: z.object({ ...common, create: z.object({ as: z.string().regex(/^[a-z][a-z0-9_]*$/).optional(), window: NUM.optional(), mode: MODE.default('ram') }).strict() }).strict(),
};
const KIND_KEYS = Object.keys(STEP_KINDS) as (keyof typeof STEP_KINDS)[];
const STEP = z
  .record(z.unknown())
  .superRefine((raw, ctx) => {
    const kinds = KIND_KEYS.filter((k) => k in raw);
    if (kinds.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `needs exactly one of: ${KIND_KEYS.join(', ')}, include (found ${kinds.length ? kinds.join(', ') : 'none'})` });
      return;
    }
    const r = STEP_KINDS[kinds[0]!].safeParse(raw);
    if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ ...issue, code: 'custom', message: issue.message, path: issue.path });
  })
  .transform((raw) => {
    const kind = KIND_KEYS.find((k) => k in raw)!;
    return { kind, data: STEP_KINDS[kind].parse(raw) } as { kind: keyof typeof STEP_KINDS; data: any };
  });
const NEEDS = z.object({ devices: NUM, volatile: NUM, persistent: NUM, hostBridges: NUM, switches: NUM, windowWays: NUM, window0Ways: NUM, deviceMiB: NUM }).partial().strict();
const SCENARIO = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
    description: z.string().optional(),
    requires: z.array(NAME).default([]),
    needs: NEEDS.default({}),
    variants: z
      .array(z.object({ name: z.string().regex(/^[A-Za-z0-9_-]+$/), cmdline: z.array(z.string().regex(/^\S+$/, 'one kernel parameter, no spaces')).default([]) }).strict())
      .nonempty()
      .default([{ name: 'default', cmdline: [] }]),
    steps: z.array(STEP).nonempty(),
  })
  .strict();
/** A shared step list, spliced in by an `include` step. */
const FRAGMENT = z.object({ description: z.string().optional(), steps: z.array(z.unknown()).nonempty() }).strict();
const INCLUDE = /^[A-Za-z0-9_./-]+\.steps\.yaml$/;

type Parsed = z.infer<typeof STEP>;

function pinnedOf(expect: z.infer<typeof PINNED> | undefined) {
  return expect && { ...(expect.result !== undefined ? { result: [expect.result].flat() } : {}), ...(expect.value !== undefined ? { value: expect.value } : {}) };
}

function toRawStep({ kind, data }: Parsed): RawStep {
  const named = data.name ? { name: data.name as string } : {};
  if (kind === 'region') return { macro: 'region', ...named, ...Object.fromEntries(Object.entries(data.region).filter(([, v]) => v !== undefined)) } as RawStep;
  if (kind === 'teardown') return { macro: 'teardown', ...named, only: data.teardown.only, ...(data.teardown.of ? { of: data.teardown.of } : {}) };
  if (kind === 'create') {
    const pinned = pinnedOf(data.expect);
    return { macro: 'create', ...named, ...(data.create.window !== undefined ? { window: data.create.window } : {}), mode: data.create.mode, ...(data.create.as ? { as: data.create.as } : {}), ...(pinned ? { pinned } : {}) };
  }
  let action: Action;
  if (kind === 'write') action = { kind: 'write', path: data.write, value: data.value };
  else if (kind === 'read') action = { kind: 'read', path: data.read };
  else if (kind === 'bind' || kind === 'unbind') action = { kind, ...data[kind] };
  else if (kind === 'blocks') action = { kind: 'blocks', ...data.blocks };
  else if (kind === 'poll') action = { kind: 'poll', path: data.poll.path, timeoutMs: data.poll.timeout * 1000, ...(data.poll.value !== undefined ? { value: data.poll.value } : {}) };
  else if (kind === 'data') action = { kind: 'data', region: data.data.region, samples: data.data.samples };
  else if (kind === 'selftest') action = { kind: 'selftest', path: data.selftest.path, env: data.selftest.env, timeoutMs: data.selftest.timeout * 1000 };
  else if (kind === 'kexec') action = { kind: 'kexec' };
  else if (kind === 'requires') action = { kind: 'requires', path: data.requires.path, capability: data.requires.capability ?? data.requires.path };
  else action = { kind: 'run', command: data.run };
  const pinned = pinnedOf(data.expect);
  const step: Step = { name: data.name ?? describeAction(action), action, ...(pinned ? { pinned } : {}) };
  return { macro: 'step', step };
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
  // failsafe: every scalar stays the string it was written as (no 1e309 → Infinity, no 010 → 8).
  const doc = parseDocument(text, { prettyErrors: true, schema: 'failsafe' });
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
async function expandIncludes(raw: unknown, file: string, sources: string[], depth = 0): Promise<unknown> {
  if (!raw || typeof raw !== 'object' || !Array.isArray((raw as { steps?: unknown }).steps)) return raw;
  const steps: unknown[] = [];
  for (const [i, step] of (raw as { steps: unknown[] }).steps.entries()) {
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
    sources.push(path);
    const fragment = await expandIncludes(readYaml(text, path), path, sources, depth + 1);
    const parsed = FRAGMENT.safeParse(fragment);
    if (!parsed.success) throw schemaError(path, fragment, parsed.error);
    steps.push(...(fragment as { steps: unknown[] }).steps);
  }
  return { ...(raw as object), steps };
}

/** The series a scenario file belongs to: the folder under scenarios/series/ it sits in. */
function seriesOf(file: string): string | undefined {
  const rel = relative(SERIES_DIR, file);
  return rel.startsWith('..') || !rel.includes(sep) ? undefined : rel.split(sep)[0];
}

export async function parseScenarioFile(file: string): Promise<Scenario> {
  const text = await readFile(file, 'utf8').catch(() => {
    throw new HarnessError(`${file}: cannot be read`, { stage: 'input' });
  });
  const sources = [file];
  return parseScenario(await expandIncludes(readYaml(text, file), file, sources), file, sources);
}

export function parseScenario(raw: unknown, file: string, sources: string[] = [file]): Scenario {
  const parsed = SCENARIO.safeParse(raw);
  if (!parsed.success) throw schemaError(file, raw, parsed.error);
  const s = parsed.data;
  const series = seriesOf(file);
  return {
    name: s.name,
    file,
    ...(s.description ? { description: s.description } : {}),
    requires: s.requires,
    ...(series ? { series } : {}),
    needs: s.needs,
    variants: s.variants,
    steps: s.steps.map(toRawStep),
    sources,
  };
}

const isScenarioFile = (f: string) => /\.ya?ml$/.test(f) && !f.endsWith('.steps.yaml') && !DEFINITION_FILES.includes(basename(f));

/** A scenario file, or every scenario below a folder in path order. */
export async function loadScenarios(path: string): Promise<Scenario[]> {
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new HarnessError(`${path}: no such scenario file or folder`, { stage: 'input' });
  const files = st.isDirectory() ? (await readdir(path, { recursive: true })).filter(isScenarioFile).sort().map((f) => join(path, f)) : [path];
  if (!files.length) throw new HarnessError(`${path}: no .yaml scenarios in this folder`, { stage: 'input' });
  return Promise.all(files.map((f) => parseScenarioFile(f)));
}
