// The bundle manifest: its format version, its TypeScript shape and the zod schema a bundle's manifest.json must pass.
import { z } from 'zod';
import { nameProblem } from './layout.ts';

export const BUNDLE_VERSION = 1;

const logicalName = z.string().superRefine((name, ctx) => {
  const problem = nameProblem(name);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
});

const bundleFile = z
  .object({
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256'),
    size: z.number().int().nonnegative().safe(),
    /** The permission bits the entry was given, when it was given some (e.g. 0o755 for a script). */
    mode: z.number().int().min(0).max(0o7777).optional(),
  })
  .strict();

/** What the writer adds to the caller's manifest; every other key is the caller's (kernel, topology, QEMU argv, …). */
export const manifestSchema = z
  .object({
    bundleVersion: z.literal(BUNDLE_VERSION),
    /** Logical name (e.g. "kernel/bzImage") → the blob holding its content. */
    files: z.record(logicalName, bundleFile),
  })
  .passthrough();

export type BundleFile = z.infer<typeof bundleFile>;
export type BundleManifest = z.infer<typeof manifestSchema>;
