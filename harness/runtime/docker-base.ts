// The image the recipe builds FROM: a registry's debian:bookworm when the engine has it, else one made here by debootstrap + docker import.
import { mkdir, rm } from 'node:fs/promises';
import type Docker from 'dockerode';
import { execa } from 'execa';
import { HarnessError } from '../common/errors.ts';
import { cachePath } from '../common/paths.ts';
import { provisionDocker } from '../host/provision-docker.ts';

/** What the harness names the base it makes. */
export const LOCAL_BASE = 'cxl-harness-base:bookworm';
/** The recipe's default FROM, used as is when the engine already holds it (pulled by the user). */
export const REGISTRY_BASE = 'debian:bookworm';
export const MIRROR = 'http://deb.debian.org/debian';

export interface BaseImage {
  ref: string;
  id: string;
  /** Set when this call made it: seconds for debootstrap and for the import. */
  made?: { debootstrapS: number; importS: number };
}

/** The debootstrap command line that makes the base's root file system in `dir`. */
export function debootstrapArgv(dir: string): string[] {
  return ['debootstrap', '--variant=minbase', 'bookworm', dir, MIRROR];
}

/** Instructions recorded in the imported image, as `docker import --change` takes them. */
export const IMPORT_CHANGES = ['ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'ENV LANG=C.UTF-8', 'CMD ["bash"]'];

async function imageId(docker: Docker, ref: string): Promise<string | undefined> {
  return docker
    .getImage(ref)
    .inspect()
    .then((i) => i.Id, () => undefined);
}

async function seconds<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = Date.now();
  const r = await fn();
  return [r, Math.round((Date.now() - t) / 100) / 10];
}

function needsRoot(): HarnessError {
  const rootfs = '/tmp/cxl-harness-rootfs';
  const changes = IMPORT_CHANGES.map((c) => `--change '${c}'`).join(' ');
  return new HarnessError(`the Docker engine has neither ${LOCAL_BASE} nor ${REGISTRY_BASE}, and making ${LOCAL_BASE} needs root (debootstrap)`, {
    stage: 'runtime',
    details: [
      'either, where a registry is reachable:',
      `  docker pull ${REGISTRY_BASE}`,
      'or, as root:',
      `  ${debootstrapArgv(rootfs).join(' ')}`,
      `  tar --numeric-owner -C ${rootfs} -c . | docker import ${changes} - ${LOCAL_BASE}`,
      `  rm -rf ${rootfs}`,
    ],
  });
}

async function debootstrap(dir: string, signal?: AbortSignal): Promise<void> {
  const [file, ...args] = debootstrapArgv(dir);
  const r = await execa(file!, args, { reject: false, all: true, env: { LC_ALL: 'C' }, ...(signal ? { cancelSignal: signal } : {}) });
  if (r.exitCode !== 0) {
    const why = signal?.aborted ? ' (interrupted)' : '';
    throw new HarnessError(`debootstrap of ${LOCAL_BASE} failed${why}`, { stage: 'runtime', details: String(r.all ?? '').split('\n').slice(-10) });
  }
}

/** Streams the folder as a tar into the engine's import (what `tar -c . | docker import - TAG` does). */
async function importRootfs(docker: Docker, dir: string, signal?: AbortSignal): Promise<void> {
  const tar = execa('tar', ['--numeric-owner', '-C', dir, '-c', '.'], { buffer: false, stderr: 'pipe', ...(signal ? { cancelSignal: signal } : {}) });
  const [repo, tag] = LOCAL_BASE.split(':') as [string, string];
  const [, progress] = await Promise.all([tar, docker.importImage(tar.stdout, { repo, tag, changes: IMPORT_CHANGES })]);
  await new Promise<void>((resolve, reject) => docker.modem.followProgress(progress, (err) => (err ? reject(err) : resolve())));
}

/** debootstrap into a cache folder, import it, remove the folder on every path. */
async function makeBase(docker: Docker, log: (line: string) => void, signal?: AbortSignal): Promise<BaseImage> {
  if (process.getuid?.() !== 0) throw needsRoot();
  await provisionDocker(log, ['debootstrap']);
  const dir = cachePath('docker', `rootfs-${process.pid}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  try {
    log(`making ${LOCAL_BASE}: ${debootstrapArgv(dir).join(' ')} (once; no registry needed)`);
    const [, debootstrapS] = await seconds(() => debootstrap(dir, signal));
    const [, importS] = await seconds(() => importRootfs(docker, dir, signal));
    const id = await imageId(docker, LOCAL_BASE);
    if (!id) throw new HarnessError(`docker import reported no error, yet ${LOCAL_BASE} is not there`, { stage: 'runtime' });
    log(`made ${LOCAL_BASE} in ${(debootstrapS + importS).toFixed(1)} s (debootstrap ${debootstrapS} s, import ${importS} s)`);
    return { ref: LOCAL_BASE, id, made: { debootstrapS, importS } };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The base to build FROM. `wanted` (CXL_HARNESS_DOCKER_BASE) names one the engine must have or pull; without it the
 * harness's own base is used when present, then debian:bookworm when present, and otherwise the own base is made.
 */
export async function ensureBase(docker: Docker, log: (line: string) => void, wanted?: string, signal?: AbortSignal): Promise<BaseImage> {
  if (wanted) {
    const id = (await imageId(docker, wanted)) ?? (await pull(docker, wanted, log));
    return { ref: wanted, id };
  }
  for (const ref of [LOCAL_BASE, REGISTRY_BASE]) {
    const id = await imageId(docker, ref);
    if (id) return { ref, id };
  }
  return makeBase(docker, log, signal);
}

async function pull(docker: Docker, ref: string, log: (line: string) => void): Promise<string> {
  log(`pulling ${ref}`);
  try {
    const stream = await docker.pull(ref);
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err) => (err ? reject(err) : resolve())));
  } catch (err) {
    throw new HarnessError(`the base image ${ref} is not in the engine and pulling it failed`, {
      stage: 'runtime',
      details: [`unset CXL_HARNESS_DOCKER_BASE to use ${LOCAL_BASE}, which the harness makes with debootstrap`],
      cause: err,
    });
  }
  const id = await imageId(docker, ref);
  if (!id) throw new HarnessError(`pulled ${ref}, yet the engine does not list it`, { stage: 'runtime' });
  return id;
}
