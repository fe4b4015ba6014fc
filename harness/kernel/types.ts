// A kernel ready to boot: the image, its modules, and where it came from (recorded in every report).

export interface KernelImage {
  /** The user's spec, e.g. "debian:7.2" or "./bzImage". */
  spec: string;
  /** `uname -r` of the kernel, e.g. "7.2.13+deb14-amd64"; taken from the modules folder name. */
  release: string;
  vmlinuz: string;
  /** /lib/modules/<release> of this kernel, or undefined when everything is built in. */
  modulesDir?: string;
  /** Debian packages the kernel came from, with exact versions. */
  packages: { name: string; version: string }[];
  /** For kernels built with a series that ships kselftests: a folder holding tools/testing/selftests/<dir> for each. */
  selftests?: string;
}
