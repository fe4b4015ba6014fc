// One observation of the guest: its state snapshot and the kernel log lines since the last one; polling until it settles.
import { diffSnapshots } from '../diff/diff.ts';
import type { GuestSession } from '../guest/session.ts';
import { parseSnapshot, type Snapshot } from '../model/render.ts';
import { definitions } from '../model/series/registry.ts';
import { shellQuote } from '../common/shell.ts';

const SNAPSHOT = '/usr/libexec/cxl-harness/snapshot';
const DMESG_MARK = '--- dmesg';
/** How long asynchronous probes (dax_region, kmem hot-add) may take to settle under TCG. */
export const SETTLE_MS = 20_000;
/** A state that stopped changing for this long has settled, even if it differs from the model's. */
export const STABLE_MS = 3000;

export interface Observation {
  snapshot: Snapshot;
  /** Kernel log lines since the previous observation (busybox `dmesg -c` reads and clears). */
  dmesg: string[];
}

/** Attributes series add to dax devices: the snapshot prints them wherever they exist, known or not. */
function daxAttributes(): string[] {
  return [...new Set(definitions().flatMap((d) => d.daxAttributes.map((a) => a.name)))];
}

/** The command that prints one observation: the state, then the kernel log since the last one. */
export function observeCommand(): string {
  return `${shellQuote([SNAPSHOT, ...daxAttributes()])}; echo '${DMESG_MARK}'; dmesg -c`;
}

export function parseObservation(out: string): Observation {
  const [snap = '', log = ''] = out.split(`${DMESG_MARK}\n`);
  return { snapshot: parseSnapshot(snap), dmesg: log.split('\n').filter(Boolean) };
}

/** State and the kernel log slice in one round trip. */
export async function observe(guest: GuestSession): Promise<Observation> {
  return parseObservation((await guest.exec(observeCommand())).stdout);
}

/**
 * Polls the guest until its state equals `expected`, or stops changing for STABLE_MS, or `timeoutMs` passes;
 * returns the last state and all log lines seen. Stopping on a stable state keeps a divergent run from waiting
 * the whole timeout at every later asynchronous step. `carried`: keys that already differed before this step; they
 * do not hold up settling (a known version difference stays). `first`: an observation made right after the step,
 * in the step's own round trip, used as the first poll.
 */
export async function settle(guest: GuestSession, expected: Snapshot, timeoutMs: number, carried: ReadonlySet<string> = new Set(), first?: Observation): Promise<Observation> {
  const dmesg: string[] = [];
  let last: Snapshot = {};
  let lastText = '';
  let since = Date.now();
  let given = first;
  await guest.pollUntil(async () => {
    const o = given ?? (await observe(guest));
    given = undefined;
    dmesg.push(...o.dmesg);
    last = o.snapshot;
    if (diffSnapshots(expected, last).every((f) => carried.has(f.key))) return true;
    const text = JSON.stringify(last);
    if (text !== lastText) [lastText, since] = [text, Date.now()];
    return Date.now() - since >= STABLE_MS ? true : undefined;
  }, timeoutMs, 100);
  return { snapshot: last, dmesg };
}
