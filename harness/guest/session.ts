// The guest over SSH: commands with timeouts, sysfs writes that report the guest's real errno, reads and polling.
import ssh2 from 'ssh2';
import { HarnessError, stopped } from '../common/errors.ts';
import { parseWriteThen, writeThenCommand, type WriteResult } from './write.ts';
import { shellWord } from '../common/shell.ts';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A command the guest did not answer in time: the guest hangs, or the host is too slow for it (--timeout-scale). */
export class GuestTimeout extends HarnessError {
  constructor(message: string) {
    super(message, { stage: 'guest' });
  }
}

export class GuestSession implements AsyncDisposable {
  /** Set once the connection is gone; every later or pending command fails naming why. */
  private lost?: string;
  private closing = false;
  /** --timeout-scale: multiplies the default command and upload timeouts. */
  timeoutScale = 1;

  private constructor(private readonly client: ssh2.Client) {
    const gone = (why: string) => () => {
      if (!this.closing) this.lost ??= why;
    };
    client.on('close', gone('the SSH connection to the guest closed'));
    client.on('end', gone('the guest ended the SSH connection'));
    client.on('error', (err) => gone(`the SSH connection to the guest failed: ${err.message}`)());
  }

  /** Why the session is no longer usable, if it is not. */
  get lostReason(): string | undefined {
    return this.lost;
  }

  /** Connects, pinning the host key the guest announced on its console; retries until `timeoutMs`. */
  static async connect(opts: { port: number; privateKey: string; hostKey: string; timeoutMs: number; timeoutScale?: number; signal?: AbortSignal }): Promise<GuestSession> {
    const expected = Buffer.from(opts.hostKey.split(' ')[1] ?? '', 'base64');
    const deadline = Date.now() + opts.timeoutMs;
    let last: unknown;
    while (Date.now() < deadline && !opts.signal?.aborted) {
      try {
        const session = new GuestSession(await connectOnce(opts.port, opts.privateKey, expected, Math.max(1000, deadline - Date.now()), opts.signal));
        session.timeoutScale = opts.timeoutScale ?? 1;
        return session;
      } catch (err) {
        last = err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    if (opts.signal?.aborted) throw stopped(opts.signal, 'guest');
    throw new HarnessError(`no SSH session with the guest on 127.0.0.1:${opts.port} within ${opts.timeoutMs} ms`, { stage: 'guest', cause: last });
  }

  exec(command: string, timeoutMs = 30_000 * this.timeoutScale): Promise<ExecResult> {
    if (this.lost) return Promise.reject(new HarnessError(`${this.lost} (before: ${command})`, { stage: 'guest' }));
    return new Promise((resolve, reject) => {
      // The clock starts before the channel is asked for: a stopped guest never confirms the channel either.
      let channel: ssh2.ClientChannel | undefined;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        channel?.close();
        reject(new GuestTimeout(`the guest did not answer within ${timeoutMs} ms: ${command}`));
      }, timeoutMs);
      this.client.exec(command, (err, stream) => {
        if (err) {
          clearTimeout(timer);
          return reject(new HarnessError(this.lost ? `${this.lost} (during: ${command})` : `ssh exec failed: ${command}`, { stage: 'guest', cause: err }));
        }
        channel = stream;
        if (timedOut) return stream.close();
        let stdout = '';
        let stderr = '';
        stream.on('data', (d: Buffer) => (stdout += d.toString()));
        stream.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        stream.on('close', (code: number | null) => {
          clearTimeout(timer);
          // No exit status: the channel died with the connection, not with the command.
          if (code === null || code === undefined) reject(new HarnessError(`${this.lost ?? 'the SSH channel closed without an exit status'} (during: ${command})`, { stage: 'guest' }));
          else resolve({ code, stdout, stderr });
        });
      });
    });
  }

  /** Creates `path` in the guest with `data` (via `cat`, so no scp server is needed). */
  put(path: string, data: Buffer, mode: number, timeoutMs = 120_000 * this.timeoutScale): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new GuestTimeout(`the guest did not take ${path} within ${timeoutMs} ms`)), timeoutMs);
      const done = (err?: Error) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      this.client.exec(`mkdir -p ${shellWord(path.replace(/\/[^/]*$/, '') || '/')} && cat > ${shellWord(path)} && chmod ${mode.toString(8)} ${shellWord(path)}`, (err, stream) => {
        if (err) return done(new HarnessError(`ssh exec failed writing ${path}`, { stage: 'guest', cause: err }));
        let stderr = '';
        stream.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        // The channel only closes once its (empty) output has been read.
        stream.resume();
        stream.on('close', (code: number | null) => done(code === 0 ? undefined : new HarnessError(`cannot write ${path} in the guest: ${stderr.trim()}`, { stage: 'guest' })));
        stream.end(data);
      });
    });
  }

  /** Writes `value` to a file as `echo value > path` does, and names the errno the kernel returned. */
  async write(path: string, value: string): Promise<WriteResult> {
    return (await this.writeThen(path, value)).write;
  }

  /** The same write, then `then` in the same round trip; returns what `then` printed too. */
  async writeThen(path: string, value: string, then = ''): Promise<{ write: WriteResult; then: string }> {
    return parseWriteThen((await this.exec(writeThenCommand(path, value, then))).stdout, path);
  }

  /** File contents without the trailing newline, or undefined when the file does not exist. */
  async read(path: string): Promise<string | undefined> {
    const r = await this.exec(`cat ${shellWord(path)}`);
    return r.code === 0 ? r.stdout.replace(/\n$/, '') : undefined;
  }

  async list(dir: string): Promise<string[]> {
    const r = await this.exec(`ls -1 ${shellWord(dir)}`);
    return r.code === 0 ? r.stdout.split('\n').filter(Boolean) : [];
  }

  async exists(path: string): Promise<boolean> {
    return (await this.exec(`test -e ${shellWord(path)}`)).code === 0;
  }

  /** Calls `probe` until it returns a value other than undefined, or gives the last undefined after `timeoutMs`. */
  async pollUntil<T>(probe: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 50): Promise<T | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe();
      if (v !== undefined || Date.now() >= deadline) return v;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  /**
   * A user's session: `command` (or a login shell) with the caller's terminal attached; a pseudo-terminal only
   * when stdin is one. Resolves with the exit status.
   */
  attach(command: string | undefined, io: { stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream }): Promise<number> {
    const tty = io.stdin.isTTY === true;
    const pty = tty ? { term: process.env.TERM ?? 'vt100', rows: io.stdout.rows ?? 24, cols: io.stdout.columns ?? 80 } : false;
    return new Promise((resolve, reject) => {
      const started = (err: Error | undefined, stream: ssh2.ClientChannel) => {
        if (err) return reject(new HarnessError('the guest refused the session', { stage: 'guest', cause: err }));
        if (tty) io.stdin.setRawMode(true);
        io.stdin.pipe(stream);
        stream.pipe(io.stdout, { end: false });
        stream.stderr.pipe(io.stderr, { end: false });
        stream.on('close', (code: number | null) => {
          if (tty) io.stdin.setRawMode(false);
          io.stdin.unpipe(stream);
          io.stdin.pause();
          resolve(code ?? 255);
        });
      };
      if (command === undefined) this.client.shell(pty || {}, started);
      else this.client.exec(command, { pty }, started);
    });
  }

  close(): void {
    this.closing = true;
    this.client.end();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }
}

function connectOnce(port: number, privateKey: string, hostKey: Buffer, timeoutMs: number, signal?: AbortSignal): Promise<ssh2.Client> {
  return new Promise((resolve, reject) => {
    const c = new ssh2.Client();
    const onAbort = () => {
      c.end();
      reject(stopped(signal, 'guest'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    c.once('ready', () => {
      signal?.removeEventListener('abort', onAbort);
      resolve(c);
    });
    // Nagle's algorithm held the client's back-to-back packets (KEXINIT and KEXECDH_INIT, NEWKEYS and SERVICE_REQUEST)
    // for the host's delayed ACK, about 40 ms each: half of a warm handshake.
    c.once('connect', () => c.setNoDelay(true));
    // ssh2 may emit several errors for one failed handshake; every one must be handled, the first decides.
    c.on('error', (err) => {
      signal?.removeEventListener('abort', onAbort);
      c.end();
      reject(err);
    });
    c.connect({
      host: '127.0.0.1',
      port,
      username: 'root',
      privateKey,
      // Straight to the key: the default asks for "none" first, a round trip the guest always refuses.
      authHandler: ['publickey'],
      readyTimeout: timeoutMs,
      hostVerifier: (key: Buffer) => key.equals(hostKey),
    });
  });
}
