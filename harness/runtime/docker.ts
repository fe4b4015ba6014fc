// The docker runtime: each QEMU and each build command in its own labelled container of the harness image, removed on every path.
import { spawn as spawnChild } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { HarnessError } from '../common/errors.ts';
import { withLock } from '../common/lock.ts';
import { cachePath, cacheRoot } from '../common/paths.ts';
import { ensureBase, type BaseImage } from './docker-base.ts';
import { connectEngine } from './docker-engine.ts';
import { ensureImage, type HarnessImage } from './docker-image.ts';
import { mountsFor } from './docker-mounts.ts';
import { currentOwner, ownerLabels, type Owner } from './docker-owner.ts';
import { ContainerProcess } from './docker-process.ts';
import { containerName, containerSpec, roleOf } from './docker-spec.ts';
import { sweepLeftovers } from './docker-sweep.ts';
import type { CommandResult, ProcessHandle, Runtime, RunOptions, SpawnOptions } from './types.ts';

export interface DockerRuntimeOptions {
  /** The run's id, in container names and the cxl-harness.run label; random when not given. */
  runId?: string;
  /** Host folders every container gets besides the cache (e.g. the run's artifacts folder), at the same path. */
  mounts?: string[];
  /** A base image other than the harness's own, e.g. "debian:bookworm" from a registry (default: $CXL_HARNESS_DOCKER_BASE). */
  base?: string;
  signal?: AbortSignal;
}

/** What a report can say about the runtime, and what opening it cost. */
export interface DockerInfo {
  engine: string;
  image: string;
  base: string;
  /** Seconds: making the base (debootstrap, import) and building the image, when this open did them; engine-to-ready in all. */
  timings: { debootstrapS?: number; importS?: number; buildS?: number; openS: number };
  swept: string[];
}

/** An aborted command gets this long after SIGTERM before SIGKILL. */
const KILL_AFTER_MS = 5000;

export class DockerRuntime implements Runtime {
  readonly name = 'docker' as const;
  private readonly live = new Map<string, ContainerProcess>();
  private readonly owner: Owner = currentOwner();
  private seq = 0;
  private closed = false;
  private readonly onExit = () => reapAtExit([...this.live.keys()]);

  private constructor(
    private readonly docker: Docker,
    readonly info: DockerInfo,
    readonly runId: string,
    private readonly mounts: string[],
  ) {
    process.on('exit', this.onExit);
  }

  /** Engine reachable (else exact commands), leftovers swept, base and image made when missing: ready to run containers. */
  static async open(log: (line: string) => void, o: DockerRuntimeOptions = {}): Promise<DockerRuntime> {
    const t0 = Date.now();
    const { docker, version } = await connectEngine(log);
    const swept = await sweepLeftovers(docker, log);
    await mkdir(cachePath('docker'), { recursive: true });
    // Two runs starting together make the base and the image once.
    const [base, image] = await withLock(cachePath('docker', 'image.lock'), 'the harness image', log, async (): Promise<[BaseImage, HarnessImage]> => {
      const b = await ensureBase(docker, log, o.base ?? process.env.CXL_HARNESS_DOCKER_BASE, o.signal);
      return [b, await ensureImage(docker, b, log, o.signal)];
    }, { ...(o.signal ? { signal: o.signal } : {}), stage: 'runtime' });
    const info: DockerInfo = {
      engine: version,
      image: image.tag,
      base: base.ref,
      timings: { ...(base.made ?? {}), ...(image.builtS !== undefined ? { buildS: image.builtS } : {}), openS: Math.round((Date.now() - t0) / 100) / 10 },
      swept,
    };
    return new DockerRuntime(docker, info, o.runId ?? newRunId(), [cacheRoot(), ...(o.mounts ?? [])]);
  }

  /** A long-running process (QEMU) on the host's network, so its hostfwd on 127.0.0.1 is the host's. */
  spawn(file: string, args: string[], o: SpawnOptions = {}): ProcessHandle {
    return this.start(file, args, o, 'host');
  }

  /** A command to completion (make, git, tar) with no network; never rejects on a non-zero exit. */
  async run(file: string, args: string[], o: RunOptions = {}): Promise<CommandResult> {
    const proc = this.start(file, args, o, 'none');
    const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
    proc.stdout.on('data', (d: Buffer) => chunks.stdout.push(d));
    proc.stderr.on('data', (d: Buffer) => chunks.stderr.push(d));
    const readers = o.onLine
      ? [proc.stdout, proc.stderr].map((s) => {
          const rl = createInterface({ input: s });
          rl.on('line', o.onLine!);
          return new Promise((r) => rl.once('close', r));
        })
      : [];
    let force: NodeJS.Timeout | undefined;
    const onAbort = () => {
      proc.kill('SIGTERM');
      force = setTimeout(() => proc.kill('SIGKILL'), KILL_AFTER_MS);
    };
    if (o.signal?.aborted) onAbort();
    else o.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const r = await proc.exit;
      await Promise.all(readers);
      // One final newline dropped, as the host runtime (execa) does, so callers see the same text either way.
      const text = (c: Buffer[]) => Buffer.concat(c).toString().replace(/\r?\n$/, '');
      return { exitCode: r.code ?? -1, stdout: text(chunks.stdout), stderr: text(chunks.stderr) };
    } finally {
      clearTimeout(force);
      o.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Kills and removes every container still there; safe to call twice. */
  async close(): Promise<void> {
    const first = !this.closed;
    this.closed = true;
    const procs = [...this.live.values()];
    for (const p of procs) p.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exit));
    if (first) process.off('exit', this.onExit);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private start(file: string, args: string[], o: SpawnOptions, network: 'host' | 'none'): ContainerProcess {
    if (this.closed) throw new HarnessError(`the docker runtime is closed: cannot start ${file}`, { stage: 'runtime' });
    const name = containerName(this.runId, ++this.seq, file);
    const spec = mountsFor(this.mounts, [file, ...args], o.cwd).then((mounts) =>
      containerSpec({
        name,
        image: this.info.image,
        file,
        args,
        ...(o.env ? { env: o.env } : {}),
        ...(o.cwd ? { cwd: o.cwd } : {}),
        network,
        mounts,
        labels: ownerLabels(this.runId, roleOf(file), this.owner),
        ...(process.getuid && process.getgid ? { user: `${process.getuid()}:${process.getgid()}` } : {}),
      }),
    );
    const proc = new ContainerProcess(this.docker, name, spec, (n) => this.live.delete(n));
    this.live.set(name, proc);
    return proc;
  }
}

export function newRunId(): string {
  return `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/**
 * At process exit (process.exit after a second Ctrl-C, an uncaught error) nothing asynchronous runs any more: a detached
 * child removes what is left. SIGKILL of the harness leaves them to the next start-up's sweep.
 */
export function reapAtExit(names: string[]): void {
  if (!names.length) return;
  const reaper = fileURLToPath(new URL('./docker-reaper.ts', import.meta.url));
  const child = spawnChild(process.execPath, ['--import', import.meta.resolve('tsx'), reaper, ...names], { detached: true, stdio: 'ignore' });
  child.unref();
}
