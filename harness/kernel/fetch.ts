// KernelSpec → KernelImage: the one entry the run uses, whatever the kernel's origin.
import type { Runtime } from '../runtime/types.ts';
import { fetchDebianKernel } from './debian-kernel.ts';
import { localKernel } from './local-kernel.ts';
import { buildSourceKernel, type SourceInfo } from './source/build.ts';
import type { KernelSpec } from './spec.ts';
import type { KernelImage } from './types.ts';

export interface ObtainContext {
  /** Where a source build writes its log. */
  artifactsDir: string;
  log: (line: string) => void;
  signal?: AbortSignal;
  /** Where a source build's git and make run (the host when not given). */
  runtime?: Runtime;
}

export function obtainKernel(spec: KernelSpec, ctx: ObtainContext): Promise<KernelImage & { source?: SourceInfo }> {
  switch (spec.kind) {
    case 'debian':
      return fetchDebianKernel(spec.version, spec.text, spec.pin, ctx.log);
    case 'local':
      return localKernel(spec.bzImage, spec.text, spec.modulesDir);
    case 'source':
      return buildSourceKernel({
        base: spec.base,
        series: spec.series,
        ...(spec.patches !== undefined ? { patches: spec.patches } : {}),
        ...(spec.fragment ? { fragment: spec.fragment } : {}),
        artifactsDir: ctx.artifactsDir,
        log: ctx.log,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        ...(ctx.runtime ? { runtime: ctx.runtime } : {}),
      });
  }
}
