// One QEMU process: started through the runtime, console teed to the run's log, stopped on every path and only as itself.
import { createWriteStream, type WriteStream } from 'node:fs';
import { constants } from 'node:os';
import { createInterface } from 'node:readline';
import { HarnessError, stopped } from '../common/errors.ts';
import type { ProcessHandle, Runtime } from '../runtime/types.ts';
import { troubleExcerpt, troubleIn } from './console.ts';

export class Vm implements AsyncDisposable {
  readonly lines: string[] = [];
  private readonly listeners = new Set<(line: string) => void>();
  private readonly proc: ProcessHandle;
  private readonly log: WriteStream;
  private exited = false;
  private stderrText = '';
  readonly exit: Promise<{ code?: number; signal?: string; stderr: string }>;

  constructor(runtime: Runtime, qemu: string, argv: string[], consoleLog: string) {
    this.log = createWriteStream(consoleLog);
    this.proc = runtime.spawn(qemu, argv);
    this.proc.stderr.on('data', (d: Buffer) => (this.stderrText += d.toString()));
    const rl = createInterface({ input: this.proc.stdout });
    rl.on('line', (raw) => {
      const line = raw.replace(/\r$/, '');
      this.lines.push(line);
      this.log.write(`${line}\n`);
      for (const l of this.listeners) l(line);
    });
    this.exit = this.proc.exit.then((r) => {
      this.exited = true;
      return { ...r, stderr: this.stderrText };
    });
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get label(): string {
    return this.proc.label;
  }

  get running(): boolean {
    return !this.exited;
  }

  /**
   * Resolves with the first console line from line `from` on matching `re` (also one already seen); rejects on
   * timeout, QEMU exit, panic or abort.
   */
  waitFor(re: RegExp, timeoutMs: number, signal?: AbortSignal, from = 0): Promise<RegExpExecArray> {
    const seen = this.lines.slice(from).map((l) => re.exec(l)).find(Boolean);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const done = (fn: () => void) => {
        clearTimeout(timer);
        this.listeners.delete(onLine);
        signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const onLine = (line: string) => {
        const m = re.exec(line);
        if (m) done(() => resolve(m));
        else if (troubleIn(line) === 'panic') done(() => reject(this.failure('the guest kernel panicked')));
      };
      const onAbort = () => done(() => reject(stopped(signal, 'boot')));
      const timer = setTimeout(() => done(() => reject(this.failure(`no console line matching ${re} within ${timeoutMs} ms`))), timeoutMs);
      this.listeners.add(onLine);
      signal?.addEventListener('abort', onAbort, { once: true });
      void this.exit.then((r) => done(() => reject(this.failure(`QEMU exited (code ${r.code ?? r.signal}) before the guest was ready`, r.stderr))));
    });
  }

  /**
   * The signal QEMU died of, when it died of its own fault (an assertion's abort, a segfault) rather than by
   * exiting or by a signal the harness sent; in a container that is exit status 128+N.
   */
  async crashSignal(): Promise<string | undefined> {
    if (this.running) return undefined;
    const r = await this.exit;
    if (r.signal) return CRASH_SIGNALS.includes(r.signal) ? r.signal : undefined;
    return CRASH_SIGNALS.find((s) => r.code === 128 + (constants.signals[s as NodeJS.Signals] ?? -1000));
  }

  failure(message: string, stderr = ''): HarnessError {
    const excerpt = troubleExcerpt(this.lines);
    return new HarnessError(message, {
      stage: 'boot',
      details: [
        ...stderr.split('\n').filter(Boolean).map((l) => `qemu: ${l}`),
        ...(excerpt.length ? excerpt : this.lines.slice(-15)).map((l) => `console: ${l}`),
      ],
    });
  }

  /** Waits for QEMU to leave by itself (guest power-off), then TERM, then KILL; safe to call twice. */
  async stop(graceMs = 3000): Promise<void> {
    if (this.exited) return this.closeLog();
    const gone = await Promise.race([this.exit.then(() => true), delay(graceMs).then(() => false)]);
    if (!gone) {
      this.proc.kill('SIGTERM');
      const termed = await Promise.race([this.exit.then(() => true), delay(2000).then(() => false)]);
      if (!termed) this.proc.kill('SIGKILL');
      await this.exit;
    }
    await this.closeLog();
  }

  private closeLog(): Promise<void> {
    return new Promise((resolve) => (this.log.closed ? resolve() : this.log.end(resolve)));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop(0);
  }
}

const CRASH_SIGNALS = ['SIGABRT', 'SIGSEGV', 'SIGBUS', 'SIGILL', 'SIGFPE'];

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
