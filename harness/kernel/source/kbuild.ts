// How the harness invokes kbuild: out-of-tree (O=), through ccache, with a build identity that does not depend on the host.
import { availableParallelism } from 'node:os';
import { cachePath } from '../../common/paths.ts';

/** make arguments shared by configuration and build, so kbuild never sees CC change and re-runs syncconfig. */
export function kbuildArgs(src: string, out: string): string[] {
  return ['-C', src, `O=${out}`, 'CC=ccache gcc'];
}

export function kbuildEnv(): Record<string, string> {
  return {
    LC_ALL: 'C',
    CCACHE_DIR: cachePath('kernel-src', 'ccache'),
    // Paths below the cache become relative, so every build tree (any base version) shares compiled objects.
    CCACHE_BASEDIR: cachePath('kernel-src'),
    // Hash the dependency file gcc writes anyway (kbuild's -Wp,-MMD) instead of running the preprocessor a second time
    // on every miss: about a tenth off a cold build.
    CCACHE_DEPEND: '1',
    // Set, even empty, it stops setlocalversion from asking git about the 80,000-file tree on every build and from
    // appending "+" because the tree is the harness's own repo: the release is the base's version.
    LOCALVERSION: '',
    // The same inputs give the same bzImage whoever builds it.
    KBUILD_BUILD_USER: 'cxl-harness',
    KBUILD_BUILD_HOST: 'cxl-harness',
  };
}

export function jobs(): number {
  return availableParallelism();
}
