// The kernel's input parsers, as sysfs stores call them: kstrto* with base 0, kstrtobool, sysfs_streq.

/** kstrtoint/kstrtou64 with base 0: decimal, 0x-hex or 0-octal, an optional trailing newline. */
export function parseKernelInt(v: string): bigint | undefined {
  // _kstrtoull skips one leading '+' (lib/kstrtox.c).
  const s = v.replace(/\n$/, '').replace(/^\+/, '');
  if (/^0x[0-9a-f]+$/i.test(s)) return BigInt(s);
  if (/^0[0-7]*$/.test(s)) return BigInt(`0o${s.slice(1) || '0'}`);
  if (/^[1-9][0-9]*$/.test(s)) return BigInt(s);
  return undefined;
}

/** kstrtox's range checks (lib/kstrtox.c): past 64 bits _parse_integer overflows, and kstrtoint/kstrtouint refuse
 * what does not fit their type; both return -ERANGE. `max` is the type's largest value. */
export function outOfRange(v: bigint, max: bigint): boolean {
  return v > max;
}

export const INT_MAX = (1n << 31n) - 1n;
export const U64_MAX = (1n << 64n) - 1n;

/** kstrtobool: the first character decides; "on"/"off" need the second. */
export function parseKernelBool(v: string): boolean | undefined {
  const s = v.toLowerCase();
  if (/^[y1t]/.test(s) || s.startsWith('on')) return true;
  if (/^[n0f]/.test(s) || s.startsWith('of')) return false;
  return undefined;
}

/** sysfs_streq: equal, ignoring one trailing newline on either side. */
export function sysfsStreq(a: string, b: string): boolean {
  return a.replace(/\n$/, '') === b.replace(/\n$/, '');
}

export const isPow2 = (n: number) => n > 0 && (n & (n - 1)) === 0;
