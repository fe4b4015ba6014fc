// Connects to the Docker engine (DOCKER_HOST or the default socket); when none answers, says exactly how to install and start one.
import Docker from 'dockerode';
import { HarnessError } from '../common/errors.ts';
import { DOCKERD_START, installCommands, missingDockerPackages, provisionDocker } from '../host/provision-docker.ts';

const PING_MS = 5000;

export function engineAddress(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
}

/** The message lines for "no engine answers": install (when the package is missing), then start. */
export function noEngineDetails(address: string, missing: string[], root: boolean): string[] {
  return [
    `tried: ${address} (set DOCKER_HOST for another engine)`,
    ...(missing.length ? [root ? `installed just now: ${missing.join(', ')}` : `install it, as root:`, ...(root ? [] : installCommands(missing).map((c) => `  ${c}`))] : []),
    'start the engine, as root, with one of:',
    ...DOCKERD_START.map((c) => `  ${c}`),
    'then run the harness again',
  ];
}

async function ping(docker: Docker): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${PING_MS} ms`)), PING_MS)));
  try {
    return await Promise.race([docker.ping(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A client for an engine that answers; installs docker.io first when root and it is missing, but never starts a daemon. */
export async function connectEngine(log: (line: string) => void): Promise<{ docker: Docker; version: string }> {
  const docker = new Docker();
  try {
    await ping(docker);
  } catch (err) {
    const root = process.getuid?.() === 0;
    const missing = root ? await provisionDocker(log, ['dockerd']) : await missingDockerPackages(['dockerd']);
    throw new HarnessError('no Docker engine answers', { stage: 'runtime', details: noEngineDetails(engineAddress(), missing, root), cause: err });
  }
  const v = await docker.version();
  return { docker, version: `${v.Version} (API ${v.ApiVersion})` };
}
