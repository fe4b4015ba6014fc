// --shard i/N: splits the matrix's units (boot groups) into N parts of similar total weight, the same on every machine.
import { HarnessError, inputError } from '../common/errors.ts';

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

export interface Unit {
  id: string;
  weight: number;
}

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const [index, count] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  if (!m || index < 1 || index > count) throw inputError('command line', '--shard', text, 'accepted: i/N with 1 ≤ i ≤ N, e.g. --shard 2/4');
  return { index, count };
}

/**
 * Greedy longest-first: heaviest unit first (ties by id), each to the lightest shard so far (ties to the lowest index).
 * Sorting first makes the result independent of the order units are listed in. Returns the unit ids of each shard.
 */
export function assignShards(units: readonly Unit[], count: number): string[][] {
  if (!Number.isInteger(count) || count < 1) throw new HarnessError(`cannot split into ${count} shards`, { stage: 'input' });
  const ids = new Set<string>();
  for (const u of units) {
    if (ids.has(u.id)) throw new HarnessError(`two units of the matrix are both called "${u.id}"`, { stage: 'input' });
    if (!(u.weight >= 0 && Number.isFinite(u.weight))) throw new HarnessError(`unit "${u.id}" has weight ${u.weight}`, { stage: 'input' });
    ids.add(u.id);
  }
  const shards = Array.from({ length: count }, () => ({ ids: [] as string[], weight: 0 }));
  const order = [...units].sort((a, b) => b.weight - a.weight || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const u of order) {
    const lightest = shards.reduce((best, s) => (s.weight < best.weight ? s : best));
    lightest.ids.push(u.id);
    lightest.weight += u.weight;
  }
  return shards.map((s) => s.ids);
}

/** The units of one shard, in the order they were given. */
export function shardOf<T extends Unit>(units: readonly T[], shard: Shard): T[] {
  const mine = new Set(assignShards(units, shard.count)[shard.index - 1]);
  return units.filter((u) => mine.has(u.id));
}
