// Debian version ordering (epoch:upstream-revision) with dpkg's exact rules, for picking the newest kernel package.

import { HarnessError } from '../common/errors.ts';

interface DebianVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

/** Splits like dpkg's parseversion: epoch before the first ':', revision after the last '-'. */
function parse(version: string): DebianVersion {
  const bad = (why: string): HarnessError =>
    new HarnessError(`invalid Debian version ${JSON.stringify(version)}: ${why}`, { stage: 'kernel' });
  const v = version.trim();
  if (v === '') throw bad('it is empty');
  if (/\s/.test(v)) throw bad('it contains whitespace');

  let epoch = 0;
  let rest = v;
  const colon = v.indexOf(':');
  if (colon >= 0) {
    const e = v.slice(0, colon);
    if (!/^[0-9]+$/.test(e)) throw bad('the epoch is not a number');
    epoch = Number(e);
    // dpkg rejects epochs above INT_MAX.
    if (epoch > 0x7fffffff) throw bad('the epoch is too large');
    rest = v.slice(colon + 1);
    if (rest === '') throw bad('nothing after the epoch colon');
  }

  const hyphen = rest.lastIndexOf('-');
  const upstream = hyphen >= 0 ? rest.slice(0, hyphen) : rest;
  const revision = hyphen >= 0 ? rest.slice(hyphen + 1) : '';
  if (upstream === '') throw bad('the upstream version is empty');
  if (hyphen >= 0 && revision === '') throw bad('the revision is empty');
  return { epoch, upstream, revision };
}

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isAlpha = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

/** dpkg's order(): '~' sorts before the end of the string, letters before every other non-digit. */
function order(c: string | undefined): number {
  if (c === undefined) return 0;
  if (isDigit(c)) return 0;
  if (isAlpha(c)) return c.charCodeAt(0);
  if (c === '~') return -1;
  return c.charCodeAt(0) + 256;
}

/** dpkg's verrevcmp(): alternating non-digit and digit runs. */
function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a[i]!)) || (j < b.length && !isDigit(b[j]!))) {
      const ac = order(a[i]);
      const bc = order(b[j]);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    let firstDiff = 0;
    while (i < a.length && j < b.length && isDigit(a[i]!) && isDigit(b[j]!)) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (i < a.length && isDigit(a[i]!)) return 1;
    if (j < b.length && isDigit(b[j]!)) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

/** Negative, zero or positive (-1, 0, 1) as a sorts before, equal to or after b; throws HarnessError on versions dpkg rejects. */
export function compareDebianVersions(a: string, b: string): number {
  const va = parse(a);
  const vb = parse(b);
  const r =
    va.epoch !== vb.epoch
      ? va.epoch - vb.epoch
      : verrevcmp(va.upstream, vb.upstream) || verrevcmp(va.revision, vb.revision);
  return Math.sign(r);
}
