// Paths inside the project checkout (images/, scenarios/), wherever the harness is started from.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('../../', import.meta.url));

export function projectPath(rel: string): string {
  return join(root, rel);
}
