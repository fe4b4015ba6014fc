// The kernel's input parsers, as sysfs stores call them: kstrto* with base 0, kstrtobool, sysfs_streq.

/** kstrtoint/kstrtou64 with base 0: decimal, 0x-hex or 0-octal, an optional trailing newline. */
export function parseKernelInt(v: string): bigint | undefined {
  const s = v.replace(/\n$/, '');
  if (/^0x[0-9a-f]+$/i.test(s)) return BigInt(s);
  if (/^0[0-7]*$/.test(s)) return BigInt(`0o${s.slice(1) || '0'}`);
  if (/^[1-9][0-9]*$/.test(s)) return BigInt(s);
  return undefined;
}

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
