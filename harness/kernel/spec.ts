// Parses --kernel: "debian:<version>" from Debian's archive, or a path to a local bzImage.
import { inputError } from '../common/errors.ts';

export type KernelSpec =
  | { kind: 'debian'; version: string; text: string }
  | { kind: 'local'; bzImage: string; modulesDir?: string; text: string };

const ACCEPTED = 'accepted: debian:<major.minor[.patch]> (e.g. debian:7.2, debian:6.12) or a path to a bzImage (with --modules DIR when it needs modules)';

export function parseKernelSpec(text: string, modulesDir?: string): KernelSpec {
  const debian = /^debian:(\d+\.\d+(?:\.\d+)?)$/.exec(text);
  if (debian) {
    if (modulesDir) throw inputError('command line', '--modules', modulesDir, 'only with a local --kernel path; Debian kernels bring their modules');
    return { kind: 'debian', version: debian[1]!, text };
  }
  if (text.startsWith('debian:') || text.startsWith('src:') || text === '') throw inputError('command line', '--kernel', text, ACCEPTED);
  return { kind: 'local', bzImage: text, text, ...(modulesDir ? { modulesDir } : {}) };
}
