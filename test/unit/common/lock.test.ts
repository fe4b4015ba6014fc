// Cross-process locking: two processes racing buildOnce build once, a dead run's leftovers and stale lock are taken over, a wait can be aborted.
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HarnessError } from '../../../harness/common/errors.ts';
import { buildOnce } from '../../../harness/common/fs.ts';
import { withLock } from '../../../harness/common/lock.ts';

const CHILD = fileURLToPath(new URL('./lock-child.ts', import.meta.url));

interface Child {
  pid: number;
  /** Resolves with everything the child printed once it exits. */
  done: Promise<{ code: number | null; out: string }>;
  /** Resolves once the child has printed `text`. */
  printed(text: string): Promise<void>;
  kill(signal: NodeJS.Signals): void;
}

function child(args: string[]): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  proc.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    for (const w of waiters.filter((w) => out.includes(w.text))) w.resolve();
  });
  proc.stderr.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const done = new Promise<{ code: number | null; out: string }>((resolve) => proc.on('exit', (code) => resolve({ code, out })));
  return {
    pid: proc.pid!,
    done,
    printed: (text) => new Promise((resolve) => (out.includes(text) ? resolve() : waiters.push({ text, resolve }))),
    kill: (signal) => proc.kill(signal),
  };
}

function scratch(t: { teardown: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'cxl-lock-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('two processes racing buildOnce on one folder: both succeed, one builds, the other waits and reuses it', async (t) => {
  const dir = scratch(t);
  const final = join(dir, 'entry');
  const [a, b] = [child(['build-once', final, dir]), child(['build-once', final, dir])];
  const results = await Promise.all([a.done, b.done]);
  for (const r of results) t.is(r.code, 0, r.out);
  const outcomes = results.map((r) => JSON.parse(r.out.trim().split('\n').at(-1)!) as { built: boolean });
  t.deepEqual(outcomes.map((o) => o.built).sort(), [false, true]);
  t.is(readFileSync(join(dir, 'builds'), 'utf8').trim().split('\n').length, 1, 'the build ran once');
  const loser = results[outcomes.findIndex((o) => !o.built)]!;
  t.true(loser.out.includes(`waiting for the test entry (held by another cxl-harness run, lock ${final}.lock)`), loser.out);
  const winner = results[outcomes.findIndex((o) => o.built)]!;
  t.false(winner.out.includes('waiting for'), winner.out);
  t.is(readFileSync(join(final, 'content'), 'utf8'), 'built once\n');
  t.deepEqual(readdirSync(dir).filter((f) => f.startsWith('entry')), ['entry'], 'no lock or temp folder is left');
});

test('a live holder keeps its lock past the stale time; once killed with SIGKILL, its lock goes stale and is taken over', async (t) => {
  const dir = scratch(t);
  const path = join(dir, 'held.lock');
  const holder = child(['hold', path, dir]);
  t.teardown(() => holder.kill('SIGKILL'));
  await holder.printed('locked');
  // The holder refreshes the lock, so a waiter gives up (aborted) after well over the 2 s stale time without taking it.
  const err = await t.throwsAsync(withLock(path, 'the held lock', () => {}, async () => t.fail('took a live lock'), { staleMs: 2000, signal: AbortSignal.timeout(4500) }));
  t.regex(err!.message, /interrupted while waiting for the held lock/);
  holder.kill('SIGKILL');
  await holder.done;
  const lines: string[] = [];
  const started = Date.now();
  const got = await withLock(path, 'the held lock', (l) => lines.push(l), async () => 'taken over', { staleMs: 2000 });
  t.is(got, 'taken over');
  t.true(Date.now() - started < 15_000);
  t.deepEqual(lines, [`waiting for the held lock (held by another cxl-harness run, lock ${path})`]);
  t.deepEqual(readdirSync(dir), [], 'the lock is released afterwards');
});

test('a wait for a busy lock ends with a HarnessError when the signal aborts, and the holder keeps its lock', async (t) => {
  const dir = scratch(t);
  const path = join(dir, 'busy.lock');
  let finish!: () => void;
  const held = withLock(path, 'the busy lock', () => {}, () => new Promise<void>((resolve) => (finish = resolve)));
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 300);
  const err = await t.throwsAsync(withLock(path, 'the busy lock', () => {}, async () => t.fail('ran without the lock'), { signal: controller.signal }));
  t.true(err instanceof HarnessError);
  t.regex(err!.message, /interrupted while waiting for the busy lock/);
  t.deepEqual(readdirSync(dir), ['busy.lock']);
  finish();
  await held;
  t.deepEqual(readdirSync(dir), []);
});

test('buildOnce clears the temp folder a dead run left behind for the same entry, and only that one', async (t) => {
  const dir = scratch(t);
  const final = join(dir, 'entry');
  mkdirSync(`${final}.tmp-999999`);
  writeFileSync(join(`${final}.tmp-999999`, 'half'), 'half-built');
  mkdirSync(join(dir, 'other.tmp-999999'));
  t.true(await buildOnce(final, async (tmp) => writeFileSync(join(tmp, 'content'), 'whole')));
  t.is(readFileSync(join(final, 'content'), 'utf8'), 'whole');
  t.deepEqual(readdirSync(dir).sort(), ['entry', 'other.tmp-999999']);
  t.false(await buildOnce(final, async () => t.fail('built twice')));
});
