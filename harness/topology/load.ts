// Resolves a scenario's topology reference: the built-in default, or a YAML file that is parsed and validated.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { YAMLParseError, parse } from 'yaml';
import { HarnessError } from '../common/errors.ts';
import { defaultTopology } from './default.ts';
import type { Topology } from './types.ts';
import { validateTopology } from './validate.ts';

export async function loadTopology(ref: string, baseDir: string): Promise<Topology> {
  if (ref === 'default') return structuredClone(defaultTopology);
  const file = resolve(baseDir, ref);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new HarnessError(`${file}: cannot read topology file (${reason})`, { stage: 'input', cause: err });
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    if (!(err instanceof YAMLParseError)) throw err;
    const [summary = '', ...excerpt] = err.message.split('\n');
    const line = err.linePos?.[0]?.line;
    throw new HarnessError(`${file}${line ? `:${line}` : ''}: YAML syntax error: ${summary}`, {
      stage: 'input',
      // The excerpt goes in details rather than as cause, which format() would print a second time.
      details: excerpt.filter((l) => l.trim() !== ''),
    });
  }
  return validateTopology(raw, file);
}
