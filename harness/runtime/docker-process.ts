// One command in its own container: created, attached before it starts, waited for, and removed whatever ends it.
import { constants } from 'node:os';
import { PassThrough } from 'node:stream';
import { finished } from 'node:stream/promises';
import type Docker from 'dockerode';
import type { ContainerCreateOptions } from 'dockerode';
import type { ProcessHandle } from './types.ts';

/** Exit status the harness reports when the engine could not create or start the container (as `docker run` does). */
export const ENGINE_FAILURE = 125;

/** What a container's status means for a caller used to host processes: 128+N after a signal the harness sent is that signal. */
export function exitFromStatus(status: number, sent?: NodeJS.Signals): { code?: number; signal?: string } {
  if (sent && status === 128 + (constants.signals[sent] ?? -1000)) return { signal: sent };
  return { code: status };
}

export class ContainerProcess implements ProcessHandle {
  readonly label: string;
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly exit: Promise<{ code?: number; signal?: string }>;
  private container?: Docker.Container;
  private started = false;
  private finished = false;
  private pendingKill?: NodeJS.Signals;
  private sent?: NodeJS.Signals;

  constructor(
    private readonly docker: Docker,
    readonly name: string,
    spec: Promise<ContainerCreateOptions>,
    private readonly onGone: (name: string) => void,
  ) {
    this.label = `container ${name}`;
    this.exit = this.lifecycle(spec);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.finished) return;
    if (!this.started) {
      this.pendingKill ??= signal;
      return;
    }
    this.sent ??= signal;
    void this.container?.kill({ signal }).catch(() => undefined);
  }

  private async lifecycle(specPromise: Promise<ContainerCreateOptions>): Promise<{ code?: number; signal?: string }> {
    const waitAbort = new AbortController();
    let status = ENGINE_FAILURE;
    try {
      this.container = await this.docker.createContainer(await specPromise);
      if (this.pendingKill) {
        // Killed before it ran: it never starts, and reports the signal as a host process would.
        this.sent = this.pendingKill;
        return { signal: this.sent };
      }
      const stream = await this.container.attach({ stream: true, stdout: true, stderr: true });
      const drained = new Promise<void>((resolve) => {
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.on('error', () => resolve());
      });
      this.docker.modem.demuxStream(stream, this.stdout, this.stderr);
      // Asked before start, so even an instant exit is seen.
      const waited = this.container.wait({ condition: 'next-exit', abortSignal: waitAbort.signal });
      await this.container.start();
      this.started = true;
      if (this.pendingKill) this.kill(this.pendingKill);
      status = ((await waited) as { StatusCode: number }).StatusCode;
      await Promise.race([drained, delay(2000)]);
      return exitFromStatus(status, this.sent);
    } catch (err) {
      this.stderr.write(`cxl-harness: ${this.label}: ${(err as Error).message}\n`);
      return { code: status };
    } finally {
      waitAbort.abort();
      this.finished = true;
      await this.container?.remove({ force: true }).catch(() => undefined);
      this.onGone(this.name);
      this.stdout.end();
      this.stderr.end();
      // As a host process's exit does, settle once readers saw the end of output (a last partial line included);
      // output nobody reads never ends, hence the bound.
      await Promise.all([this.stdout, this.stderr].map((s) => Promise.race([finished(s).catch(() => undefined), delay(2000)])));
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
