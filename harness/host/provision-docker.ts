// Makes the host ready for --runtime docker, idempotently: docker.io and debootstrap from Debian 12; starting the engine is left to the system.
import { execa } from 'execa';
import { HarnessError } from '../common/errors.ts';

/** Tools --runtime docker may need on the host, with the Debian package providing each. */
export const DOCKER_TOOLS: [tool: string, pkg: string][] = [
  ['dockerd', 'docker.io'],
  ['debootstrap', 'debootstrap'],
];

export const DOCKER_INSTALL = ['apt-get', 'install', '-y', '-q', '--no-install-recommends'];

/** How to start the engine once it is installed: systemd where it runs, else by hand (no iptables rules: containers use host networking or none). */
export const DOCKERD_START = ['systemctl start docker', 'dockerd --iptables=false --ip6tables=false >/var/log/dockerd.log 2>&1 &'];

async function has(tool: string): Promise<boolean> {
  return (await execa('sh', ['-c', `command -v ${tool}`], { reject: false, env: { PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` } })).exitCode === 0;
}

/** Debian packages of `tools` that the host lacks. */
export async function missingDockerPackages(tools: string[] = DOCKER_TOOLS.map(([t]) => t)): Promise<string[]> {
  const missing: string[] = [];
  for (const [tool, pkg] of DOCKER_TOOLS) if (tools.includes(tool) && !(await has(tool))) missing.push(pkg);
  return missing;
}

/** The exact commands that install `packages`, for a user who is not root. */
export function installCommands(packages: string[]): string[] {
  return packages.length ? ['apt-get update -q', [...DOCKER_INSTALL, ...packages].join(' ')] : [];
}

/** Installs what `tools` need when root; otherwise throws with the exact commands to run. Returns what it installed. */
export async function provisionDocker(log: (line: string) => void, tools?: string[]): Promise<string[]> {
  const packages = await missingDockerPackages(tools);
  if (!packages.length) return [];
  if (process.getuid?.() !== 0) {
    throw new HarnessError(`--runtime docker needs ${packages.join(' and ')}, and installing needs root`, {
      stage: 'provision',
      details: ['run as root:', ...installCommands(packages).map((c) => `  ${c}`)],
    });
  }
  log(`provisioning the host for --runtime docker: ${packages.join(', ')}`);
  for (const args of [['update', '-q'], [...DOCKER_INSTALL.slice(1), ...packages]]) {
    const r = await execa('apt-get', args, { env: { DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' }, reject: false, all: true });
    if (r.exitCode !== 0) {
      throw new HarnessError(`apt-get ${args.join(' ')} failed`, { stage: 'provision', details: String(r.all ?? '').split('\n').filter((l) => /^E:/.test(l)) });
    }
  }
  return packages;
}
