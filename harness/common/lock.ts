// Cross-process locks on the shared cache (proper-lockfile): a busy lock is waited for, a dead holder's lock is taken over.
import { setTimeout as sleep } from 'node:timers/promises';
import { lock } from 'proper-lockfile';
import { HarnessError, type Stage } from './errors.ts';

export interface LockOptions {
  /** Stops the wait (not the work once the lock is held). */
  signal?: AbortSignal;
  /** The stage named by errors from waiting or from losing the lock; default 'provision'. */
  stage?: Stage;
  /** A lock whose holder has not refreshed it for this long is stale and taken over; default 30 s, minimum 2 s. */
  staleMs?: number;
}

const DEFAULT_STALE_MS = 30_000;
/** How often the holder refreshes the lock's mtime. */
const UPDATE_MS = 5_000;
const POLL_MS = 250;
/** A wait shorter than this is not worth a line on the terminal. */
const QUIET_WAIT_MS = 1_000;

function isBusy(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ELOCKED';
}

/**
 * Runs `fn` while holding the lock at `path` (a directory proper-lockfile creates and removes). While another process
 * holds it, waits, saying once what it waits for. A holder that is killed leaves a lock that goes stale and is taken over;
 * a lock lost while held (taken over by another process) fails the call once `fn` settles.
 */
export async function withLock<T>(path: string, what: string, log: (line: string) => void, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const stage = opts.stage ?? 'provision';
  let lost: Error | undefined;
  const release = await acquire(path, what, log, stage, opts, (err) => {
    lost = err;
  });
  let result: T;
  try {
    result = await fn();
  } catch (err) {
    if (!lost) await release();
    throw err;
  }
  if (lost) throw new HarnessError(`lost the lock for ${what} while holding it`, { stage, details: [`lock: ${path}`, lost.message] });
  await release();
  return result;
}

async function acquire(
  path: string,
  what: string,
  log: (line: string) => void,
  stage: Stage,
  opts: LockOptions,
  onLost: (err: Error) => void,
): Promise<() => Promise<void>> {
  const stale = opts.staleMs ?? DEFAULT_STALE_MS;
  const started = Date.now();
  let said = false;
  for (;;) {
    if (opts.signal?.aborted) throw new HarnessError(`interrupted while waiting for ${what}`, { stage, details: [`lock: ${path}`] });
    try {
      return await lock(path, { lockfilePath: path, realpath: false, stale, update: Math.min(UPDATE_MS, stale / 2), onCompromised: onLost });
    } catch (err) {
      if (!isBusy(err)) throw new HarnessError(`cannot take the lock for ${what}`, { stage, details: [`lock: ${path}`], cause: err });
    }
    if (!said && Date.now() - started >= QUIET_WAIT_MS) {
      log(`waiting for ${what} (held by another cxl-harness run, lock ${path})`);
      said = true;
    }
    // An abort ends the sleep early; the check at the top of the loop turns it into the error.
    await sleep(POLL_MS, undefined, { signal: opts.signal }).catch(() => undefined);
  }
}
