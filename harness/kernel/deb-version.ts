// Debian version order as dpkg itself decides it (`dpkg --compare-versions`), for picking the newest kernel package.
import { execa } from 'execa';
import { HarnessError } from '../common/errors.ts';

/**
 * One shell for a whole set of versions: each must pass `dpkg --validate-version` (an error stops the script, a warning
 * does not, as in dpkg's own comparisons), then every pair (i, j) with i < j prints -1, 0 or 1, row by row.
 */
const SCRIPT = `
for v; do dpkg --validate-version -- "$v"; rc=$?; [ "$rc" -lt 2 ] || exit "$rc"; done
i=0
for a; do
  i=$((i + 1)); j=0
  for b; do
    j=$((j + 1)); [ "$j" -gt "$i" ] || continue
    if dpkg --compare-versions -- "$a" lt "$b"; then echo -1
    elif dpkg --compare-versions -- "$a" eq "$b"; then echo 0
    else echo 1; fi
  done
done`;

/**
 * A comparator (-1, 0, 1 as a sorts before, equal to or after b) over `versions`, decided by dpkg in one shell run; throws
 * HarnessError stage 'kernel' when dpkg rejects a version or is missing.
 */
export async function debianOrder(versions: string[]): Promise<(a: string, b: string) => number> {
  const unique = [...new Set(versions)];
  const r = unique.length ? await execa('sh', ['-c', SCRIPT, 'sh', ...unique], { reject: false, env: { LC_ALL: 'C' } }) : undefined;
  if (r && r.exitCode !== 0) {
    const stderr = String(r.stderr).split('\n').filter(Boolean);
    const why = stderr.map((l) => /^dpkg: error: (.*)$/.exec(l)?.[1]).find(Boolean);
    throw new HarnessError(why ? `invalid Debian version: ${why}` : `dpkg could not order the Debian versions ${unique.join(', ')}`, {
      stage: 'kernel',
      details: stderr.slice(-4),
    });
  }
  const answers = String(r?.stdout ?? '').split('\n').filter(Boolean).map(Number);
  const sign = unique.map(() => unique.map(() => 0));
  for (let i = 0, k = 0; i < unique.length; i++) {
    for (let j = i + 1; j < unique.length; j++, k++) {
      sign[i]![j] = answers[k]!;
      sign[j]![i] = answers[k] === 0 ? 0 : -answers[k]!;
    }
  }
  const rank = new Map(unique.map((v, i) => [v, i]));
  return (a, b) => {
    const [i, j] = [rank.get(a), rank.get(b)];
    if (i === undefined || j === undefined) throw new HarnessError(`Debian version ${i === undefined ? a : b} was not among those dpkg ordered`, { stage: 'kernel' });
    return sign[i]![j]!;
  };
}
