// Cache keys: what changes a build tree, a finished build and the fast path's key, and what does not.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { buildKey, configHash, inputKey, seriesHash, treeKey } from '../../../../harness/kernel/source/cache-key.ts';
import type { Fragment } from '../../../../harness/kernel/source/config.ts';
import { readSeries } from '../../../../harness/kernel/source/series.ts';

const fixtures = fileURLToPath(new URL('../../../fixtures/series/', import.meta.url));
const BASE = 'debian:linux-source-7.2=7.2.13-1';
const harness: Fragment = { file: 'images/kernel/harness.config', text: 'CONFIG_CXL_BUS=y\n' };
const user: Fragment = { file: 'mine.config', text: 'CONFIG_CXL_FEATURES=y\n' };

test('keys are deterministic hex strings', async (t) => {
  const series = await readSeries([join(fixtures, 'cxl-granularity')]);
  t.is(buildKey(BASE, series, 'CONFIG_X=y\n'), buildKey(BASE, series, 'CONFIG_X=y\n'));
  t.regex(buildKey(BASE, series, ''), /^[0-9a-f]{32}$/);
  t.regex(treeKey(BASE, [harness]), /^[0-9a-f]{20}$/);
  t.regex(configHash('CONFIG_X=y\n'), /^[0-9a-f]{16}$/);
});

test('the same patches from an mbox or from numbered files are the same series only if git gets the same text', async (t) => {
  const mbox = await readSeries([join(fixtures, 'cxl-granularity.mbx')]);
  const files = await readSeries([join(fixtures, 'cxl-granularity')]);
  // b4 adds Link: trailers and Message-Ids, so the commits (and the kernel's build) differ.
  t.not(seriesHash(mbox), seriesHash(files));
  t.is(seriesHash(files), seriesHash(await readSeries(files.map((p) => p.file).reverse())));
});

test('a series change keeps the build tree but changes the build', async (t) => {
  const one = (await readSeries([join(fixtures, 'cxl-granularity')])).slice(0, 1);
  const two = await readSeries([join(fixtures, 'cxl-granularity')]);
  t.is(treeKey(BASE, [harness]), treeKey(BASE, [harness]));
  t.not(buildKey(BASE, one, 'c'), buildKey(BASE, two, 'c'));
  t.not(inputKey(BASE, one, [harness]), inputKey(BASE, two, [harness]));
});

test('base, config and fragments each change the keys they belong to', (t) => {
  t.not(buildKey(BASE, [], 'CONFIG_X=y\n'), buildKey(BASE, [], 'CONFIG_X=n\n'));
  t.not(buildKey(BASE, [], 'c'), buildKey('debian:linux-source-7.2=7.2.14-1', [], 'c'));
  t.not(treeKey(BASE, [harness]), treeKey(BASE, [harness, user]));
  t.not(treeKey(BASE, [harness]), treeKey('local:0123', [harness]));
  // A fragment's file name is not content.
  t.is(treeKey(BASE, [harness, user]), treeKey(BASE, [harness, { ...user, file: 'elsewhere.config' }]));
  t.not(inputKey(BASE, [], [harness]), inputKey(BASE, [], [harness, user]));
});
