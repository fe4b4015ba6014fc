// The facts the model predicts from: every refusal with its errno and source (a document quoted, or the kernel
// function named), loaded from harness/model/facts/*.yaml and from each series' facts.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { projectPath } from '../common/project.ts';

const FACT = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
    summary: z.string(),
    /** The errno a refusal returns; absent for accepted behaviour. */
    errno: z.string().regex(/^E[A-Z0-9]+$/).optional(),
    /** The kernel function (and file) that decides it. */
    code: z.string(),
    /** The document line that states it, quoted, with the document named. */
    doc: z.string().optional(),
    /** Why no scenario can reach it under QEMU. */
    unreachable: z.string().optional(),
    /**
     * The documentation says otherwise than the code does (the model predicts the code): a step that behaves as the
     * code says is reported as a documentation mismatch, quoting this.
     */
    mismatch: z.string().optional(),
  })
  .strict();
export type Fact = z.infer<typeof FACT>;

export const FACTS_FILE = z.object({ facts: z.array(FACT) }).strict();

const registry = new Map<string, Fact & { origin: string }>();

export function registerFacts(facts: Fact[], origin: string): void {
  for (const f of facts) {
    const known = registry.get(f.id);
    if (known && known.origin !== origin) throw new Error(`fact ${f.id} is defined in ${known.origin} and ${origin}`);
    registry.set(f.id, { ...f, origin });
  }
}

function loadCore(): void {
  const dir = projectPath('harness/model/facts');
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.yaml')).sort()) {
    const file = join(dir, f);
    registerFacts(FACTS_FILE.parse(parse(readFileSync(file, 'utf8'))).facts, file);
  }
}
loadCore();

export function fact(id: string): Fact {
  const f = registry.get(id);
  if (!f) throw new Error(`the model refers to an unknown fact "${id}"`);
  return f;
}

export function allFacts(): (Fact & { origin: string })[] {
  return [...registry.values()];
}

/** What a model rule returns: the errno (or ok) and the fact that decides it. */
export interface Result {
  errno: string;
  fact?: string;
  /** What the documents also allow instead: this result, with nothing changed (e.g. offlining ZONE_NORMAL memory). */
  alternative?: { errno: string; fact: string };
  /** The documents do not decide part of the outcome (which of several matching drivers binds): said why. */
  undocumented?: string;
}

export function refuse(id: string): Result {
  const f = fact(id);
  if (!f.errno) throw new Error(`fact ${id} is not a refusal`);
  return { errno: f.errno, fact: id };
}

export function accept(id?: string): Result {
  if (id) fact(id);
  return { errno: 'ok', ...(id ? { fact: id } : {}) };
}
