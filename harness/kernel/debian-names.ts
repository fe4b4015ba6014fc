// Which Debian package names carry a given upstream kernel version for the plain amd64 flavour.
import { debianOrder } from './deb-version.ts';

// linux-binary-7.2.13+deb14-amd64, linux-image-7.3.0~rc7-amd64, and bookworm's ABI-numbered linux-image-6.1.0-50-amd64.
const NAME = /^linux-(binary|image)-(\d+\.\d+(?:\.\d+)?)(?:-\d+)?(?:~[a-z0-9]+)?(?:\+[a-z0-9]+)?-amd64$/;

/** apt-cache regex that finds every candidate (flavour filtering happens in `kernelPackageNames`). */
export function kernelSearchRegex(version: string): string {
  return `^linux-(binary|image)-${version.replaceAll('.', '\\.')}`;
}

/** Names for the plain amd64 flavour whose upstream version is `version` or a patch release of it. */
export function kernelPackageNames(names: string[], version: string): string[] {
  return names.filter((n) => {
    const m = NAME.exec(n);
    return m !== null && (m[2] === version || m[2]!.startsWith(`${version}.`));
  });
}

/** Since 7.x Debian splits the image (linux-binary-*) from its modules (linux-modules-*). */
export function modulesPackageFor(imagePackage: string): string | undefined {
  return imagePackage.startsWith('linux-binary-') ? imagePackage.replace('linux-binary-', 'linux-modules-') : undefined;
}

/** The newest (name, version) pair; dpkg's version order decides. */
export async function newest(candidates: { name: string; version: string }[]): Promise<{ name: string; version: string } | undefined> {
  const order = await debianOrder(candidates.map((c) => c.version));
  return [...candidates].sort((a, b) => order(b.version, a.version))[0];
}
