// Fetches a Debian kernel by upstream version into the cache, keyed by the exact package version.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { HarnessError } from '../common/errors.ts';
import { buildOnce, exists } from '../common/fs.ts';
import { cachePath } from '../common/paths.ts';
import { extractDebs } from '../debian/extract.ts';
import { PrivateApt } from '../debian/private-apt.ts';
import { kernelPackageNames, kernelSearchRegex, modulesPackageFor, newest } from './debian-names.ts';
import type { KernelImage } from './types.ts';

/** Suites that carry kernels: 6.1 (bookworm), 6.12 (trixie), 7.2 (sid), 7.3 release candidates (experimental). */
const KERNEL_SUITES = ['bookworm', 'trixie', 'sid', 'experimental'];

/** A pinned kernel already unpacked in the cache: replays work offline and after the archive moved on. */
async function cachedPin(version: string, pin: string): Promise<{ name: string; version: string } | undefined> {
  const root = cachePath('kernels', 'debian');
  const names = (await exists(root)) ? await readdir(root) : [];
  const name = kernelPackageNames(names.filter((n) => n.endsWith(`_${pin}`)).map((n) => n.slice(0, -pin.length - 1)), version)[0];
  return name ? { name, version: pin } : undefined;
}

export async function fetchDebianKernel(version: string, spec: string, pin?: string, log: (line: string) => void = () => {}): Promise<KernelImage> {
  const cached = pin ? await cachedPin(version, pin) : undefined;
  const apt = new PrivateApt('kernels', KERNEL_SUITES, 'kernel', log);
  if (!cached) await apt.ensureLists();
  const pick =
    cached ??
    (await apt.memo(`kernel ${version}${pin ? `=${pin}` : ''}`, async () => {
      const names = kernelPackageNames(await apt.search(kernelSearchRegex(version)), version);
      const candidates = (await Promise.all(names.map(async (name) => (await apt.versions(name)).map((v) => ({ name, version: v }))))).flat();
      return (pin ? candidates.find((c) => c.version === pin) : await newest(candidates)) ?? null;
    }));
  if (!pick) {
    throw new HarnessError(`no Debian amd64 kernel package for version ${version}${pin ? ` at package version ${pin}` : ''}`, {
      stage: 'input',
      details: [
        `searched ${KERNEL_SUITES.join(', ')} for linux-binary-${version}*-amd64 and linux-image-${version}*-amd64${pin ? `, version ${pin}, and the cache` : ''}`,
        pin ? 'the archive keeps only current versions: a replay of an older package needs the cache it was recorded with, or drop the pin' : 'accepted: a version Debian ships, e.g. debian:6.1, debian:6.12, debian:7.2, debian:7.3',
      ],
    });
  }
  const modulesPkg = modulesPackageFor(pick.name);
  const specs = [`${pick.name}=${pick.version}`, ...(modulesPkg ? [`${modulesPkg}=${pick.version}`] : [])];
  const dir = cachePath('kernels', 'debian', `${pick.name}_${pick.version}`);
  const packages = specs.map((s) => ({ name: s.split('=')[0]!, version: pick.version }));
  // A second run asking for the same kernel says that it waits for the first's download.
  await buildOnce(
    dir,
    async (tmp) => {
      const debs = await apt.download(specs);
      await extractDebs(debs.map((d) => d.path), tmp, 'kernel');
    },
    { what: `the kernel ${specs.join(', ')}`, log },
  );
  return locateKernel(dir, spec, packages);
}

/** Debian 7.x keeps vmlinuz in /usr/lib/modules/<release>/; older packages in /boot/vmlinuz-<release>. */
async function locateKernel(root: string, spec: string, packages: KernelImage['packages']): Promise<KernelImage> {
  for (const base of ['usr/lib/modules', 'lib/modules']) {
    const dir = join(root, base);
    if (!(await exists(dir))) continue;
    for (const release of await readdir(dir)) {
      const modulesDir = join(dir, release);
      for (const vmlinuz of [join(modulesDir, 'vmlinuz'), join(root, 'boot', `vmlinuz-${release}`)]) {
        if (await exists(vmlinuz)) return { spec, release, vmlinuz, modulesDir, packages };
      }
    }
  }
  throw new HarnessError(`no vmlinuz found in the unpacked packages at ${root}`, { stage: 'kernel' });
}
