// describeApplyFailure: git am's output (plain, then 3-way) → the failing file, hunk and the tool's own lines.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { describeApplyFailure } from '../../../../harness/kernel/source/apply.ts';
import { readSeries } from '../../../../harness/kernel/source/series.ts';

const fixtures = fileURLToPath(new URL('../../../fixtures/series/', import.meta.url));

test('wrong context: the file, the hunk by number and header, and git\'s lines', async (t) => {
  const [patch] = await readSeries([join(fixtures, 'does-not-apply.patch')]);
  const output = await readFile(join(fixtures, 'build', 'am-failure.txt'), 'utf8');
  t.deepEqual(describeApplyFailure(patch!, output), {
    file: 'drivers/cxl/core/region.c',
    hunk: 'hunk 1 of 1, "@@ -533,10 +533,13 @@ static ssize_t interleave_ways_store(struct device *dev,"',
    message: [
      'error: patch failed: drivers/cxl/core/region.c:533',
      'error: drivers/cxl/core/region.c: patch does not apply',
      '3-way: error: sha1 information is lacking or useless (drivers/cxl/core/region.c).',
      '3-way: error: could not build fake ancestor',
    ],
  });
});

test('a 3-way merge conflict keeps the plain attempt\'s location and adds the conflict', async (t) => {
  const [patch] = await readSeries([join(fixtures, 'cxl-granularity')]);
  const output = await readFile(join(fixtures, 'build', 'am-conflict.txt'), 'utf8');
  const f = describeApplyFailure(patch!, output);
  t.is(f.file, 'drivers/cxl/core/region.c');
  t.true(f.hunk?.startsWith('hunk 1 of 1, "@@ -603,6 +603,10 @@'), f.hunk);
  t.true(f.message.includes('3-way: CONFLICT (content): Merge conflict in drivers/cxl/core/region.c'));
});

test('without a line number the file still comes from git\'s message', async (t) => {
  const [patch] = await readSeries([join(fixtures, 'does-not-apply.patch')]);
  const f = describeApplyFailure(patch!, 'error: drivers/cxl/core/region.c: does not exist in index\n');
  t.deepEqual(f, { file: 'drivers/cxl/core/region.c', message: ['error: drivers/cxl/core/region.c: does not exist in index'] });
});
