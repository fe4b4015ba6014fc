// Test setup for the Docker end-to-end tests: Debian's Docker packages when root, a leashed dockerd when none answers.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Docker from 'dockerode';
import { execa } from 'execa';

export interface DockerSetup {
  /** Set when this setup started dockerd. */
  dockerdPid?: number;
  dockerdLog?: string;
  installed: string[];
  /** Stops the dockerd this setup started (and only that one); safe to call twice. */
  stop(): Promise<void>;
}

const PACKAGES: [tool: string, pkg: string][] = [
  ['dockerd', 'docker.io'],
  ['debootstrap', 'debootstrap'],
  ['docker-compose', 'docker-compose'],
];

const isRoot = () => process.getuid?.() === 0;

async function has(tool: string): Promise<boolean> {
  return (await execa('sh', ['-c', `command -v ${tool}`], { reject: false, env: { PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` } })).exitCode === 0;
}

export async function engineAnswers(): Promise<boolean> {
  const ping = new Docker().ping().then(() => true, () => false);
  return Promise.race([ping, new Promise<boolean>((r) => setTimeout(() => r(false), 5000).unref())]);
}

/** CAP_SYS_ADMIN (bit 21) in the effective set: what dockerd needs, and what an ordinary container (compose's test service) lacks. */
function canRunDockerd(): boolean {
  const caps = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  return caps !== undefined && (BigInt(`0x${caps}`) & (1n << 21n)) !== 0n;
}

/** Why these tests cannot run here, or undefined: an engine answers, or root may install and start one. */
export async function dockerUnavailable(): Promise<string | undefined> {
  if (await engineAnswers()) return undefined;
  if (!isRoot()) return 'no Docker engine answers, and installing or starting one needs root';
  if (!canRunDockerd()) return 'no Docker engine answers, and this process lacks CAP_SYS_ADMIN to start one (an unprivileged container)';
  return undefined;
}

async function install(log: (line: string) => void): Promise<string[]> {
  const missing: string[] = [];
  for (const [tool, pkg] of PACKAGES) if (!(await has(tool))) missing.push(pkg);
  if (!missing.length) return [];
  log(`installing ${missing.join(', ')} from Debian`);
  const env = { DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' };
  await execa('apt-get', ['update', '-q'], { env });
  await execa('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env });
  return missing;
}

function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export async function setUpDocker(log: (line: string) => void): Promise<DockerSetup> {
  const installed = isRoot() ? await install(log) : [];
  if (await engineAnswers()) return { installed, stop: async () => {} };
  const dir = await mkdtemp(join(tmpdir(), 'cxl-dockerd-'));
  const dockerdLog = join(dir, 'dockerd.log');
  // A shell keeps dockerd on a leash: when this process's end of its stdin closes (stop(), or this process dying in any
  // way), it sends dockerd SIGTERM and waits for it. No iptables rules: the harness's containers use the host network or none.
  const leash = spawn('sh', ['-c', 'dockerd --iptables=false --ip6tables=false >>"$1" 2>&1 & d=$!; echo "$d"; read -r _; kill -TERM "$d"; wait "$d"', 'sh', dockerdLog], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` },
  });
  const [line] = (await once(createInterface({ input: leash.stdout! }), 'line')) as [string];
  const pid = Number(line);
  log(`started dockerd (pid ${pid}), log ${dockerdLog}`);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    leash.stdin!.end();
    if (!(await exited(leash, 40_000))) {
      process.kill(pid, 'SIGKILL');
      leash.kill('SIGKILL');
    }
  };
  for (let i = 0; i < 120 && !(await engineAnswers()); i++) {
    if (leash.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  if (!(await engineAnswers())) {
    await stop();
    throw new Error(`dockerd did not answer within 60 s; see ${dockerdLog}`);
  }
  return { dockerdPid: pid, dockerdLog, installed, stop };
}
