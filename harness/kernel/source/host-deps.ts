// The Debian packages a kernel build needs on the host, and which of them are missing (for the provisioning step).
import { execa } from 'execa';

/** gcc alone only recommends libc6-dev, which kbuild's host tools need; libelf-dev is for objtool, libssl-dev for certificate tools. */
export const BUILD_PACKAGES = ['gcc', 'libc6-dev', 'make', 'bc', 'bison', 'flex', 'libelf-dev', 'libssl-dev', 'ccache', 'git', 'xz-utils', 'patch'];

/** Packages of BUILD_PACKAGES that dpkg does not list as installed. */
export async function missingBuildPackages(): Promise<string[]> {
  const r = await execa('dpkg-query', ['-W', '-f', '${Package} ${db:Status-Status}\n', ...BUILD_PACKAGES], { reject: false, env: { LC_ALL: 'C' } });
  const installed = new Set(
    String(r.stdout)
      .split('\n')
      .map((l) => l.split(' '))
      .filter(([, status]) => status === 'installed')
      .map(([name]) => name!.replace(/:.*$/, '')),
  );
  return BUILD_PACKAGES.filter((p) => !installed.has(p));
}
