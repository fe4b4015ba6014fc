// parseShard's accepted forms and refusals; assignShards/shardOf properties: a partition, order-blind, within Graham's bound.
import test from 'ava';
import fc from 'fast-check';
import { HarnessError } from '../../../harness/common/errors.ts';
import { assignShards, parseShard, shardOf, type Unit } from '../../../harness/matrix/shard.ts';

test('parseShard reads i/N with 1 ≤ i ≤ N', (t) => {
  t.deepEqual(parseShard('1/1'), { index: 1, count: 1 });
  t.deepEqual(parseShard('3/4'), { index: 3, count: 4 });
  t.deepEqual(parseShard('12/12'), { index: 12, count: 12 });
});

test('parseShard refuses anything else, naming --shard and the accepted form', (t) => {
  for (const text of ['0/4', '5/4', '1/0', '1', '1/2/3', '-1/2', 'a/b', ' 1/2', '1.5/2', '']) {
    const err = t.throws(() => parseShard(text), { instanceOf: HarnessError }, text);
    t.is(err!.stage, 'input');
    t.true(err!.message.includes('--shard') && err!.message.includes('i/N'), err!.message);
  }
});

test('longest first, each to the lightest shard, ties by id then by shard: a worked example', (t) => {
  // a(5) → 1; b(4) → 2; then the 3s in id order: c → 2 (4 < 5), d → 1 (5 < 7), e → 2 (7 < 8).
  const units = [{ id: 'e', weight: 3 }, { id: 'b', weight: 4 }, { id: 'd', weight: 3 }, { id: 'a', weight: 5 }, { id: 'c', weight: 3 }];
  t.deepEqual(assignShards(units, 2), [['a', 'd'], ['b', 'c', 'e']]);
  // Equal weights: ids in order, each to the lowest-numbered of the lightest shards.
  const ones = ['d', 'c', 'b', 'a'].map((id) => ({ id, weight: 1 }));
  t.deepEqual(assignShards(ones, 3), [['a', 'd'], ['b'], ['c']]);
  t.deepEqual(assignShards(units, 7).map((s) => s.length), [1, 1, 1, 1, 1, 0, 0]);
});

test('refused: duplicate ids, negative or non-finite weights, a shard count below 1', (t) => {
  t.throws(() => assignShards([{ id: 'a', weight: 1 }, { id: 'a', weight: 2 }], 2), { instanceOf: HarnessError });
  t.throws(() => assignShards([{ id: 'a', weight: -1 }], 2), { instanceOf: HarnessError });
  t.throws(() => assignShards([{ id: 'a', weight: Number.NaN }], 2), { instanceOf: HarnessError });
  t.throws(() => assignShards([], 0), { instanceOf: HarnessError });
});

const unitsArb = fc.uniqueArray(fc.record({ id: fc.string({ minLength: 1, maxLength: 6 }), weight: fc.integer({ min: 0, max: 1000 }) }), {
  selector: (u) => u.id,
  maxLength: 40,
});
const countArb = fc.integer({ min: 1, max: 8 });

test('every unit lands in exactly one shard', (t) => {
  fc.assert(
    fc.property(unitsArb, countArb, (units, count) => {
      const shards = assignShards(units, count);
      const placed = shards.flat();
      return shards.length === count && placed.length === units.length && new Set(placed).size === units.length && units.every((u) => placed.includes(u.id));
    }),
  );
  t.pass();
});

test('the assignment does not depend on the order units are listed in', (t) => {
  fc.assert(
    fc.property(
      unitsArb.chain((units) => fc.tuple(fc.constant(units), fc.shuffledSubarray(units, { minLength: units.length, maxLength: units.length }))),
      countArb,
      ([units, shuffled], count) => JSON.stringify(assignShards(units, count)) === JSON.stringify(assignShards(shuffled, count)),
    ),
  );
  t.pass();
});

test('the heaviest shard stays within the greedy bound: total/N + (1 − 1/N) × heaviest unit', (t) => {
  fc.assert(
    fc.property(unitsArb, countArb, (units, count) => {
      const weight = new Map(units.map((u) => [u.id, u.weight]));
      const loads = assignShards(units, count).map((ids) => ids.reduce((s, id) => s + weight.get(id)!, 0));
      const total = units.reduce((s, u) => s + u.weight, 0);
      const heaviest = Math.max(0, ...units.map((u) => u.weight));
      return Math.max(...loads) <= total / count + (1 - 1 / count) * heaviest + 1e-9;
    }),
  );
  t.pass();
});

test('shardOf: the N shards together give back every unit once, each in the order given', (t) => {
  fc.assert(
    fc.property(unitsArb, countArb, (units: Unit[], count) => {
      const parts = Array.from({ length: count }, (_, i) => shardOf(units, { index: i + 1, count }));
      const order = (part: Unit[]) => part.map((u) => units.indexOf(u));
      return parts.flat().length === units.length && parts.every((p) => order(p).every((v, i, a) => i === 0 || a[i - 1]! < v));
    }),
  );
  t.pass();
});
