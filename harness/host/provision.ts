// Makes the host ready, idempotently: QEMU with volatile CXL memory, and the Debian tools the harness calls.
import { readFile, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { HarnessError } from '../common/errors.ts';
import { exists } from '../common/fs.ts';
import { probeQemu } from '../qemu/binary.ts';

/** Tools the harness runs on the host, with the Debian package that provides each. */
const TOOLS: [string, string][] = [
  ['apt-get', 'apt'],
  ['dpkg-deb', 'dpkg'],
  ['xz', 'xz-utils'],
  ['zstd', 'zstd'],
];

const BACKPORTS_FILE = '/etc/apt/sources.list.d/cxl-harness-bookworm-backports.sources';
const BACKPORTS = `# Added by cxl-harness: QEMU >= 8.0 for CXL volatile memory (bookworm's own QEMU 7.2 lacks it).
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`;

export interface ProvisionPlan {
  /** The QEMU version found, when it fits. */
  qemu?: string;
  packages: string[];
  /** Set on Debian 12: QEMU comes from bookworm-backports. */
  backports: boolean;
  reasons: string[];
}

async function which(tool: string): Promise<boolean> {
  return (await execa('sh', ['-c', `command -v ${tool}`], { reject: false })).exitCode === 0;
}

async function codename(): Promise<string> {
  const text = await readFile('/etc/os-release', 'utf8').catch(() => '');
  return /^VERSION_CODENAME=(.*)$/m.exec(text)?.[1]?.replace(/"/g, '') ?? 'unknown';
}

export async function planProvision(extraPackages: string[] = []): Promise<ProvisionPlan> {
  const plan: ProvisionPlan = { packages: [...extraPackages], backports: false, reasons: extraPackages.length ? [`kernel build needs ${extraPackages.join(', ')}`] : [] };
  for (const [tool, pkg] of TOOLS) {
    if (!(await which(tool))) {
      plan.packages.push(pkg);
      plan.reasons.push(`${tool} is missing`);
    }
  }
  const qemu = await probeQemu();
  if (qemu.ok) plan.qemu = qemu.version!;
  else {
    plan.reasons.push(qemu.problem!);
    plan.packages.push('qemu-system-x86');
    plan.backports = (await codename()) === 'bookworm';
  }
  return plan;
}

/** The apt-get invocations that carry out a plan, in order. */
export function aptSteps(plan: ProvisionPlan): string[][] {
  const steps = [['update', '-q']];
  const others = plan.packages.filter((p) => p !== 'qemu-system-x86');
  if (others.length) steps.push(['install', '-y', '-q', '--no-install-recommends', ...others]);
  if (plan.packages.includes('qemu-system-x86')) {
    steps.push(['install', '-y', '-q', '--no-install-recommends', ...(plan.backports ? ['-t', 'bookworm-backports'] : []), 'qemu-system-x86']);
  }
  return steps;
}

/** Installs what is missing when root, otherwise says exactly what to run and stops (exit 2); returns the QEMU version. */
export async function provisionHost(log: (line: string) => void, extraPackages: string[] = []): Promise<string> {
  const plan = await planProvision(extraPackages);
  if (!plan.packages.length) return plan.qemu!;
  const steps = aptSteps(plan);
  if (process.getuid?.() !== 0) {
    throw new HarnessError('the host is missing what the harness needs, and installing it needs root', {
      stage: 'provision',
      details: [
        ...plan.reasons,
        'run as root:',
        ...(plan.backports ? [`  printf '${BACKPORTS.replaceAll('\n', '\\n')}' > ${BACKPORTS_FILE}`] : []),
        ...steps.map((s) => `  apt-get ${s.join(' ')}`),
      ],
    });
  }
  log(`provisioning the host: ${plan.reasons.join('; ')}`);
  if (plan.backports && !(await exists(BACKPORTS_FILE))) await writeFile(BACKPORTS_FILE, BACKPORTS);
  for (const args of steps) {
    const r = await execa('apt-get', args, { env: { DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' }, reject: false, all: true });
    if (r.exitCode !== 0) {
      throw new HarnessError(`apt-get ${args.join(' ')} failed`, { stage: 'provision', details: String(r.all ?? '').split('\n').filter((l) => /^E:/.test(l)) });
    }
  }
  const after = await probeQemu();
  if (!after.ok) throw new HarnessError(`QEMU still unusable after provisioning: ${after.problem}`, { stage: 'provision' });
  return after.version!;
}
