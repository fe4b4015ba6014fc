// A kernel the user built: a bzImage path and optionally its installed modules folder.
import { basename, dirname, join, resolve } from 'node:path';
import { inputError } from '../common/errors.ts';
import { exists } from '../common/fs.ts';
import type { KernelImage } from './types.ts';

export async function localKernel(bzImage: string, spec: string, modulesDir?: string): Promise<KernelImage> {
  if (!(await exists(bzImage))) throw inputError('command line', '--kernel', bzImage, 'a readable bzImage file or debian:<version>');
  if (modulesDir && !(await exists(resolve(modulesDir, 'kernel')))) {
    throw inputError('command line', '--modules', modulesDir, 'a /lib/modules/<release> folder (it must contain kernel/)');
  }
  // A source build (and a replayed bundle) keeps the series' kselftests beside its bzImage.
  const selftests = join(dirname(resolve(bzImage)), 'selftests');
  return {
    spec,
    // Without modules the release is only known once the guest runs `uname -r`.
    release: modulesDir ? basename(resolve(modulesDir)) : 'unknown',
    vmlinuz: resolve(bzImage),
    ...(modulesDir ? { modulesDir: resolve(modulesDir) } : {}),
    packages: [],
    ...((await exists(join(selftests, 'tools/testing/selftests'))) ? { selftests } : {}),
  };
}
