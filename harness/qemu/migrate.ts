// Migration to and from a file over QMP: the capabilities both ends must agree on, and waiting for the end state.
import { HarnessError } from '../common/errors.ts';
import type { QmpClient } from './qmp.ts';

/**
 * Capabilities of the post-boot snapshot stream, the same on the saving and the loading QEMU. x-ignore-shared leaves
 * shared RAM (the CXL devices' memory-backend-file,share=on) out of the stream: its content is the backing files,
 * copied beside the stream. mapped-ram is not used: the plain stream already skips zero pages (same bytes on disk), and
 * QEMU 10.0.2 failed to load a mapped-ram stream saved with x-ignore-shared ("region has bad alignment").
 */
export const SNAPSHOT_CAPABILITIES = ['x-ignore-shared', 'events'] as const;

interface MigrateInfo {
  status?: string;
  'error-desc'?: string;
  'total-time'?: number;
  ram?: { transferred?: number };
}

export async function setCapabilities(qmp: QmpClient, names: readonly string[] = SNAPSHOT_CAPABILITIES): Promise<void> {
  await qmp.execute('migrate-set-capabilities', { capabilities: names.map((capability) => ({ capability, state: true })) });
}

const FINAL = new Set(['completed', 'failed', 'cancelled']);

/** Waits for the MIGRATION event that ends the migration started after event index `since`; details from query-migrate. */
async function finished(qmp: QmpClient, since: number, what: string, timeoutMs: number, signal?: AbortSignal): Promise<MigrateInfo> {
  const e = await qmp.waitEvent('MIGRATION', { since, timeoutMs, match: (x) => FINAL.has(String(x.data?.status)), ...(signal ? { signal } : {}) });
  const status = String(e.data?.status);
  // A failed incoming migration makes QEMU exit (exit-on-error defaults to true), so there may be nobody left to ask.
  const info = await qmp.execute<MigrateInfo>('query-migrate', undefined, 5000).catch(() => ({ status }) as MigrateInfo);
  if (status !== 'completed') {
    throw new HarnessError(`${what} ${status}`, { stage: 'boot', details: info['error-desc'] ? [`qemu: ${info['error-desc']}`] : [] });
  }
  return info;
}

/** Saves the whole machine state to `file` (the VM should be stopped first, so the stream is one consistent pass). */
export async function migrateToFile(qmp: QmpClient, file: string, timeoutMs: number, signal?: AbortSignal): Promise<MigrateInfo> {
  const since = qmp.events.length;
  await qmp.execute('migrate', { uri: `file:${file}` });
  return finished(qmp, since, `saving the VM state to ${file}`, timeoutMs, signal);
}

/** Loads `file` into a QEMU started with `-incoming defer`; the VM stays paused until `cont`. */
export async function migrateFromFile(qmp: QmpClient, file: string, timeoutMs: number, signal?: AbortSignal): Promise<MigrateInfo> {
  const since = qmp.events.length;
  await qmp.execute('migrate-incoming', { uri: `file:${file}` });
  return finished(qmp, since, `loading the VM state from ${file}`, timeoutMs, signal);
}
