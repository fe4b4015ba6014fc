// What `replay` needs from a test bundle's manifest (written by run/bundle-test.ts), checked before anything starts.
import { z } from 'zod';
import { EXIT, HarnessError } from '../common/errors.ts';
import type { BundleManifest } from '../bundle/manifest.ts';

const firstFailure = z.object({ step: z.number().int(), name: z.string(), observed: z.string().optional() });

export const testManifestSchema = z.object({
  kind: z.literal('cxl-harness test bundle'),
  harness: z.string(),
  test: z.object({ id: z.string(), scenario: z.string(), variant: z.string(), verdict: z.enum(['pass', 'fail', 'gap', 'error', 'n/a']), firstFailure: firstFailure.optional() }),
  kernel: z.object({
    spec: z.string(),
    release: z.string(),
    replay: z.union([z.object({ spec: z.string() }), z.object({ bzImage: z.string(), modules: z.string().optional() })]),
    packages: z.array(z.object({ name: z.string(), version: z.string(), sha256: z.string().optional() })).optional(),
  }),
  topology: z.object({ name: z.string(), hash: z.string(), file: z.string() }),
  scenario: z.object({ file: z.string(), variant: z.string(), append: z.array(z.string()) }),
  cmdline: z.string(),
  qemu: z.string(),
});

export type TestManifest = z.infer<typeof testManifestSchema>;

/** The bundle's manifest as a test bundle, or a refusal naming the field (exit 2). */
export function testManifest(bundle: string, m: BundleManifest): TestManifest {
  const parsed = testManifestSchema.safeParse(m);
  if (parsed.success) {
    const missing = [parsed.data.scenario.file, parsed.data.topology.file, ...('bzImage' in parsed.data.kernel.replay ? [parsed.data.kernel.replay.bzImage] : [])].filter((f) => !(f in m.files));
    if (!missing.length) return parsed.data;
    throw new HarnessError(`bundle ${bundle}: manifest.json names ${missing.join(', ')}, which the bundle does not hold`, { stage: 'bundle', exitCode: EXIT.input });
  }
  const issue = parsed.error.issues[0]!;
  throw new HarnessError(`bundle ${bundle}: manifest.json: ${issue.path.join('.') || '(top)'}: ${issue.message}; accepted: a test bundle written by cxl-harness run (manifest kind "cxl-harness test bundle")`, {
    stage: 'bundle',
    exitCode: EXIT.input,
  });
}
