// Carries out one resolved action in the guest and says what happened: the errno a write returned, a read's value.
import type { GuestSession } from '../guest/session.ts';
import type { WriteResult } from '../guest/write.ts';
import type { Action, StepResult } from '../scenario/types.ts';

export interface Performed {
  result: StepResult;
  value?: string;
  message?: string;
}

/**
 * `after`: a command to run right after a write, bind or unbind in the same round trip (the first observation);
 * what it printed comes back as `after`. Other actions ignore it.
 */
export async function perform(guest: GuestSession, action: Action, blockSize: bigint, timeoutScale: number, after?: string): Promise<{ observed: Performed; after?: string }> {
  const writeThen = async (path: string, value: string) => {
    const r = await guest.writeThen(path, value, after);
    return { observed: fromWrite(r.write), ...(after !== undefined ? { after: r.then } : {}) };
  };
  switch (action.kind) {
    case 'write':
      return writeThen(action.path, action.value);
    case 'bind':
    case 'unbind':
      return writeThen(`/sys/bus/${action.bus}/drivers/${action.driver}/${action.kind}`, action.device);
    default:
      return { observed: await performOther(guest, action, blockSize, timeoutScale) };
  }
}

const fromWrite = (w: WriteResult): Performed => (w.ok ? { result: 'ok' } : { result: w.errno, message: w.message });

async function performOther(guest: GuestSession, action: Exclude<Action, { kind: 'write' | 'bind' | 'unbind' }>, blockSize: bigint, timeoutScale: number): Promise<Performed> {
  switch (action.kind) {
    case 'read': {
      const value = await guest.read(action.path);
      return value === undefined ? { result: 'ENOENT' } : { result: 'ok', value };
    }
    case 'blocks': {
      const base = `/sys/bus/cxl/devices/${action.region}`;
      const [resource, size] = [await guest.read(`${base}/resource`), await guest.read(`${base}/size`)];
      if (resource === undefined || size === undefined) return { result: 'ENOENT', message: `${action.region} has no resource/size` };
      for (let a = BigInt(resource); a < BigInt(resource) + BigInt(size); a += blockSize) {
        const w = await guest.write(`/sys/devices/system/memory/memory${a / blockSize}/state`, action.state);
        if (!w.ok) return fromWrite(w);
      }
      return { result: 'ok' };
    }
    case 'poll': {
      const want = action.value;
      const value = await guest.pollUntil(async () => {
        const v = await guest.read(action.path);
        return v !== undefined && (want === undefined || v === want) ? v : undefined;
      }, action.timeoutMs * timeoutScale);
      return value === undefined ? { result: 'ETIMEDOUT' } : { result: 'ok' };
    }
    case 'run': {
      const r = await guest.exec(action.command, 30_000 * timeoutScale);
      return { result: r.code === 0 ? 'ok' : `exit${r.code}`, ...(r.code ? { message: r.stderr.trim().split('\n').slice(-3).join(' | ') } : {}) };
    }
    case 'requires':
      return (await guest.exists(action.path)) ? { result: 'ok' } : { result: 'ENOENT', message: `the guest has no ${action.path}` };
    case 'data':
    case 'selftest':
    case 'kexec':
      // The runner does these itself (run/data-check.ts, run/selftest.ts): they need the model's view or the tree.
      return { result: 'ok' };
  }
}
