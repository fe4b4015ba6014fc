// A small QMP client over QEMU's unix socket: greeting and capabilities negotiation, commands with timeouts, events.
import { connect as netConnect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { HarnessError, interrupted } from '../common/errors.ts';

export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
  timestamp?: { seconds: number; microseconds: number };
}

export interface QmpConnectOptions {
  /** How long to keep trying while QEMU has not created or is not yet accepting on the socket. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Settles when the QEMU behind the socket is gone: stops the retries early. */
  gone?: Promise<unknown>;
}

interface Pending {
  id: number;
  command: string;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

type Message = { QMP?: { version?: QmpVersion } } & { return?: unknown; error?: { class?: string; desc?: string }; id?: unknown } & Partial<QmpEvent>;

export interface QmpVersion {
  qemu: { major: number; minor: number; micro: number };
  package?: string;
}

const qmpError = (message: string, details: string[] = [], cause?: unknown) => new HarnessError(message, { stage: 'boot', details, ...(cause ? { cause } : {}) });

export class QmpClient implements AsyncDisposable {
  /** Every event received since the connection opened, oldest first. */
  readonly events: QmpEvent[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(e: QmpEvent) => void>();
  private nextId = 1;
  private buffer = '';
  private closedWith: Error | undefined;
  private greeting: ((m: Message) => void) | undefined;

  private constructor(
    private readonly socket: Socket,
    readonly path: string,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (err) => this.fail(qmpError(`QMP connection ${path} failed (QEMU gone?)`, [err.message], err)));
    socket.on('close', () => this.fail(qmpError(`QMP connection ${path} closed (QEMU gone?)`)));
  }

  /** The server's version from the greeting. */
  version: QmpVersion | undefined;

  /** Connects (retrying until the socket accepts), reads the greeting and leaves capabilities negotiation mode. */
  static async connect(path: string, o: QmpConnectOptions): Promise<QmpClient> {
    const deadline = Date.now() + o.timeoutMs;
    let gone = false;
    void o.gone?.then(() => (gone = true));
    let last: unknown;
    for (;;) {
      if (o.signal?.aborted) throw interrupted('boot');
      if (gone) throw qmpError(`QEMU exited before its QMP socket ${path} accepted a connection`, [], last);
      try {
        const socket = await openSocket(path, Math.max(100, deadline - Date.now()));
        const client = new QmpClient(socket, path);
        try {
          await client.negotiate(Math.max(1000, deadline - Date.now()));
        } catch (err) {
          client.close();
          throw err;
        }
        return client;
      } catch (err) {
        last = err;
        const code = (err as NodeJS.ErrnoException).code;
        // ENOENT and ECONNREFUSED: QEMU has not got as far as listening yet. Anything else is final.
        if (code !== 'ENOENT' && code !== 'ECONNREFUSED') throw err instanceof HarnessError ? err : qmpError(`cannot connect to QMP socket ${path}`, [], err);
      }
      if (Date.now() >= deadline) throw qmpError(`no QMP socket accepting at ${path} within ${o.timeoutMs} ms`, [], last);
      await sleep(20);
    }
  }

  private async negotiate(timeoutMs: number): Promise<void> {
    const greeting = await new Promise<Message>((resolve, reject) => {
      const timer = setTimeout(() => reject(qmpError(`no QMP greeting on ${this.path} within ${timeoutMs} ms`)), timeoutMs);
      this.greeting = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
      this.socket.once('close', () => {
        clearTimeout(timer);
        reject(this.closedWith ?? qmpError(`QMP connection ${this.path} closed before the greeting`));
      });
    });
    this.version = greeting.QMP?.version;
    await this.execute('qmp_capabilities', undefined, timeoutMs);
  }

  /** Runs one command; resolves with its "return" value, rejects with the server's error class and description. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>, timeoutMs = 30_000): Promise<T> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(qmpError(`QMP ${command} got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { id, command, resolve: resolve as (v: unknown) => void, reject, timer });
      this.socket.write(`${JSON.stringify({ execute: command, ...(args ? { arguments: args } : {}), id })}\n`);
    });
  }

  /** Calls `fn` for every event from now on; returns the unsubscribe. */
  onEvent(fn: (e: QmpEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * The first event named `name` (and matching `match`) received at index `since` of `events` or later, waiting
   * up to `timeoutMs` for it. Pass `events.length` taken before the command that causes the event, so a fast event is not missed.
   */
  waitEvent(name: string, o: { since?: number; timeoutMs: number; match?: (e: QmpEvent) => boolean; signal?: AbortSignal }): Promise<QmpEvent> {
    const fits = (e: QmpEvent) => e.event === name && (!o.match || o.match(e));
    const seen = this.events.slice(o.since ?? this.events.length).find(fits);
    if (seen) return Promise.resolve(seen);
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise((resolve, reject) => {
      const done = (fn: () => void) => {
        clearTimeout(timer);
        off();
        this.socket.off('close', onClose);
        o.signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const off = this.onEvent((e) => {
        if (fits(e)) done(() => resolve(e));
      });
      const onClose = () => done(() => reject(this.closedWith ?? qmpError(`QMP connection ${this.path} closed while waiting for ${name}`)));
      const onAbort = () => done(() => reject(interrupted('boot')));
      const timer = setTimeout(() => done(() => reject(qmpError(`no QMP event ${name} within ${o.timeoutMs} ms`))), o.timeoutMs);
      this.socket.once('close', onClose);
      o.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  close(): void {
    this.fail(qmpError(`QMP connection ${this.path} was closed by the harness`));
    this.socket.destroy();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    for (let nl = this.buffer.indexOf('\n'); nl >= 0; nl = this.buffer.indexOf('\n')) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (!line) continue;
      let m: Message;
      try {
        m = JSON.parse(line) as Message;
      } catch (err) {
        this.fail(qmpError(`QMP server on ${this.path} sent a line that is not JSON`, [line.slice(0, 200)], err));
        this.socket.destroy();
        return;
      }
      this.dispatch(m);
    }
  }

  private dispatch(m: Message): void {
    if (m.QMP) {
      this.greeting?.(m);
      this.greeting = undefined;
      return;
    }
    if (typeof m.event === 'string') {
      const e: QmpEvent = { event: m.event, ...(m.data ? { data: m.data } : {}), ...(m.timestamp ? { timestamp: m.timestamp } : {}) };
      this.events.push(e);
      for (const l of [...this.listeners]) l(e);
      return;
    }
    // In-band answers come in issue order; an error the server sends before it could read the id carries none.
    const p = typeof m.id === 'number' ? this.pending.get(m.id) : this.pending.values().next().value;
    if (!p) return;
    this.pending.delete(p.id);
    clearTimeout(p.timer);
    if (m.error) p.reject(qmpError(`QMP ${p.command} failed: ${m.error.class ?? 'Error'}: ${m.error.desc ?? '(no description)'}`));
    else p.resolve(m.return);
  }

  private fail(err: HarnessError): void {
    if (this.closedWith) return;
    this.closedWith = err;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }
}

function openSocket(path: string, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect(path);
    const timer = setTimeout(() => {
      s.destroy();
      reject(qmpError(`QMP socket ${path} did not accept within ${timeoutMs} ms`));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', (err) => {
      clearTimeout(timer);
      s.destroy();
      reject(err);
    });
  });
}
