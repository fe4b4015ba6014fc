// Where the harness keeps downloads and builds: one cache, keyed by content, shared by every run.
import { homedir } from 'node:os';
import { join } from 'node:path';

export function cacheRoot(): string {
  return process.env.CXL_HARNESS_CACHE ?? join(homedir(), '.cache', 'cxl-harness');
}

export function cachePath(...parts: string[]): string {
  return join(cacheRoot(), ...parts);
}
