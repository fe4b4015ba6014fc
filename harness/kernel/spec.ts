// Parses --kernel: "debian:<version>" from Debian's archive, "src:<base>" built from source, or a path to a bzImage.
import { inputError } from '../common/errors.ts';

export type KernelSpec =
  /** pin: an exact Debian package version ("debian:7.2=7.2.1-1"), as bundles record it; the newest otherwise. */
  | { kind: 'debian'; version: string; pin?: string; text: string }
  | { kind: 'local'; bzImage: string; modulesDir?: string; text: string }
  /**
   * base: "src:debian:7.2" (Debian's linux-source package) or a kernel tree path. patches: only the first N patches
   * of the series (run --bisect-series), never given on the command line.
   */
  | { kind: 'source'; base: string; series: string[]; fragment?: string; patches?: number; text: string };

const ACCEPTED =
  'accepted: debian:<major.minor[.patch]>[=<package version>] (e.g. debian:7.2, debian:6.12, debian:7.2=7.2.1-1), src:debian:<major.minor> or src:<kernel tree path> (with --series, --config-fragment), or a path to a bzImage (with --modules DIR when it needs modules)';

export interface KernelOptions {
  modules?: string;
  series?: string[];
  fragment?: string;
}

export function parseKernelSpec(text: string, o: KernelOptions = {}): KernelSpec {
  const series = o.series ?? [];
  const isSource = text.startsWith('src:');
  if (!isSource && series.length) throw inputError('command line', '--series', series.join(' '), 'only with --kernel src:… (a kernel built from source)');
  if (!isSource && o.fragment) throw inputError('command line', '--config-fragment', o.fragment, 'only with --kernel src:… (a kernel built from source)');
  if (o.modules && !/^[^:]+$/.test(text)) throw inputError('command line', '--modules', o.modules, 'only with a local --kernel bzImage path; Debian and source kernels bring their own');
  const debian = /^debian:(\d+\.\d+(?:\.\d+)?)(?:=([0-9][A-Za-z0-9.+~:-]*))?$/.exec(text);
  if (debian) return { kind: 'debian', version: debian[1]!, text, ...(debian[2] ? { pin: debian[2] } : {}) };
  if (isSource) {
    const base = text.slice('src:'.length);
    if (!/^debian:\d+\.\d+$/.test(base) && (base === '' || base.startsWith('debian:'))) throw inputError('command line', '--kernel', text, ACCEPTED);
    return { kind: 'source', base: base.startsWith('debian:') ? text : base, series, text, ...(o.fragment ? { fragment: o.fragment } : {}) };
  }
  if (text.startsWith('debian:') || text === '') throw inputError('command line', '--kernel', text, ACCEPTED);
  return { kind: 'local', bzImage: text, text, ...(o.modules ? { modulesDir: o.modules } : {}) };
}
