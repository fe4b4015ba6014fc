// KernelSpec → KernelImage: the one entry the run uses, whatever the kernel's origin.
import { fetchDebianKernel } from './debian-kernel.ts';
import { localKernel } from './local-kernel.ts';
import type { KernelSpec } from './spec.ts';
import type { KernelImage } from './types.ts';

export function obtainKernel(spec: KernelSpec): Promise<KernelImage> {
  return spec.kind === 'debian' ? fetchDebianKernel(spec.version, spec.text) : localKernel(spec.bzImage, spec.text, spec.modulesDir);
}
