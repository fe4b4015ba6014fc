// A comparison as text: how tests were matched, then one block per kind of change, then the counts.
import { CHANGES, type Comparison } from './compare.ts';

export function formatComparison(c: Comparison): string {
  const how = c.paired
    ? `BASE kernel ${c.paired.base} and HEAD kernel ${c.paired.head} differ: their tests are matched on <topology>/<scenario>[<variant>]`
    : 'tests are matched on their full id, <kernel>/<topology>/<scenario>[<variant>]';
  const width = Math.max(0, ...c.tests.filter((t) => t.change !== 'unchanged').map((t) => t.id.length));
  const blocks = CHANGES.filter((change) => change !== 'unchanged').flatMap((change) => {
    const rows = c.tests.filter((t) => t.change === change);
    if (!rows.length) return [];
    return [
      `${change} (${rows.length})`,
      ...rows.map((t) => `  ${t.id.padEnd(width)}  ${`${t.base ?? '-'} → ${t.head ?? '-'}`.padEnd(14)}${t.detail ? `  ${t.detail}` : ''}`.trimEnd()),
    ];
  });
  const counts = CHANGES.map((change) => `${c.tests.filter((t) => t.change === change).length} ${change}`).join(', ');
  return [how, '', ...blocks, ...(blocks.length ? [''] : []), `${c.tests.length} tests: ${counts}`].join('\n');
}
