// parseSnapshot on snapshot text in the format images/guest/snapshot prints (sorted "key<TAB>value" lines), built from
// the real-guest observations of the stock path.
import { readFile } from 'node:fs/promises';
import test from 'ava';
import { parseSnapshot } from '../../../harness/model/render.ts';

const text = (name: string) => readFile(new URL(`../../fixtures/snapshots/${name}`, import.meta.url), 'utf8');

test('the bound-offline fixture parses into one entry per line, values as printed', async (t) => {
  const raw = await text('stock-bound-offline.txt');
  const s = parseSnapshot(raw);
  t.is(Object.keys(s).length, raw.split('\n').filter(Boolean).length);
  t.is(s['cxl/region0'], 'cxl_region');
  t.is(s['cxl/region0/resource'], '0x2d0000000');
  t.is(s['cxl/region0/size'], '0x10000000');
  t.is(s['cxl/region0/target0'], 'decoder2.0');
  t.is(s['cxl/decoder2.0/dpa_size'], '0x0000000010000000');
  t.is(s['cxl/dax_region0'], 'cxl_dax_region');
  t.is(s['dax/dax0.0'], 'kmem');
  t.is(s['dax/dax0.0/size'], '268435456');
  t.is(s['dax/dax0.0/target_node'], '1');
  t.is(s['node/node1/MemTotal'], '0');
});

test('values keep their inner spaces (valid_zones "Normal Movable") and keys theirs (System RAM (kmem))', async (t) => {
  const s = parseSnapshot(await text('stock-bound-offline.txt'));
  t.is(s['memory/memory90/valid_zones'], 'Normal Movable');
  t.is(s['memory/memory91/valid_zones'], 'Normal Movable');
  t.is(s['iomem/CXL Window 0/region0/dax0.0/System RAM (kmem)'], '2d0000000-2dfffffff');
});

test('an empty value (target0 detached reads an empty line, §1.2) is kept as ""', async (t) => {
  const s = parseSnapshot(await text('stock-target-detached.txt'));
  t.true('cxl/region0/target0' in s);
  t.is(s['cxl/region0/target0'], '');
  t.is(s['cxl/region0'], '-');
});

test('only the first tab splits; blank lines and a missing trailing newline are fine', (t) => {
  t.deepEqual(parseSnapshot('a\tb\tc\n\nk\tv'), { a: 'b\tc', k: 'v' });
  t.deepEqual(parseSnapshot(''), {});
});

test('a line without a tab is a key with an empty value', (t) => {
  t.deepEqual(parseSnapshot('cxl/region0/target0\n'), { 'cxl/region0/target0': '' });
});
