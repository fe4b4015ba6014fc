// readSeries on the real postings in shared/series/ (beside the repository); expectations read off the files with grep.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { readSeries } from '../../../../harness/kernel/source/series.ts';

const shared = fileURLToPath(new URL('../../../../../shared/series/', import.meta.url));
const GREGORY = 'Gregory Price <gourry@gourry.net>';

// grep '^Subject:' explicit-dax-v1.mbox
const EXPLICIT_DAX = [
  'mm/memory_hotplug: pass online_type to online_memory_block() via arg',
  'mm/memory_hotplug: add __add_memory_driver_managed() with online_type arg',
  'dax: plumb online_type from dax_kmem creators to hotplug',
  'drivers/cxl,dax: add dax driver mode selection for dax regions',
  'cxl/core/region: move pmem region driver logic into pmem_region',
  'cxl/core/region: move dax region device logic into dax_region.c',
  'cxl/core: add cxl_devdax_region driver for explicit userland region binding',
  'cxl/core: Add dax_kmem_region and sysram_region drivers',
  'Documentation/driver-api/cxl: add dax and sysram driver documentation',
];

// grep '^Subject:' kmem-state-v7.mbox: "[PATCH v7 01/10]" … "[PATCH v7 10/10]".
const KMEM_STATE = [
  'mm/memory: add memory_block_aligned_range() helper',
  'mm/memory_hotplug: add mhp_online_type_to_str() and export string helpers',
  'mm/memory_hotplug: pass online_type to online_memory_block() via arg',
  'mm/memory_hotplug: export mhp_get_default_online_type',
  'mm/memory_hotplug: add __add_memory_driver_managed() with online_type arg',
  'mm/memory_hotplug: add offline_and_remove_memory_ranges()',
  'dax/kmem: resolve default online type at probe time',
  'dax/kmem: extract hotplug/hotremove helper functions',
  'dax/kmem: add sysfs interface for atomic whole-device hotplug',
  'selftests/dax: add dax/kmem hotplug sysfs regression test',
];

/** How many lines of `text` start a hunk: the count readSeries must find over the whole series. */
const hunkLines = (text: string): number => text.split('\n').filter((l) => l.startsWith('@@ ')).length;

for (const [name, subjects] of [['explicit-dax-v1.mbox', EXPLICIT_DAX], ['kmem-state-v7.mbox', KMEM_STATE]] as const) {
  test(`${name}: every patch in order, by its author, cut exactly at the mbox's "From " lines`, async (t) => {
    const file = join(shared, name);
    const patches = await readSeries([file]);
    t.deepEqual(patches.map((p) => [p.number, p.subject, p.author, p.format, p.file]), subjects.map((s, i) => [i + 1, s, GREGORY, 'mail', file]));
    // No cover letter in these mboxes: the messages put back together are the file, byte for byte.
    const text = await readFile(file, 'utf8');
    t.is(patches.map((p) => p.text).join(''), text);
    t.true(patches.every((p) => p.text.startsWith('From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\nFrom: Gregory Price')));
    t.is(patches.reduce((n, p) => n + p.hunks.length, 0), hunkLines(text));
  });
}

test('explicit-dax-v1-on-7.2/: seven format-patch files, folded subjects unfolded', async (t) => {
  const dir = join(shared, 'explicit-dax-v1-on-7.2');
  const patches = await readSeries([dir]);
  // Subjects of 0001, 0002, 0004, 0005 and 0007 are folded onto a second line in the files.
  t.deepEqual(patches.map((p) => [p.number, p.subject, p.author]), [
    [1, EXPLICIT_DAX[0], GREGORY],
    [2, EXPLICIT_DAX[1], GREGORY],
    [3, EXPLICIT_DAX[2], GREGORY],
    [4, EXPLICIT_DAX[3], GREGORY],
    [5, EXPLICIT_DAX[6], GREGORY],
    [6, EXPLICIT_DAX[7], GREGORY],
    [7, EXPLICIT_DAX[8], GREGORY],
  ]);
  t.true(patches.every((p, i) => p.file.startsWith(join(dir, `000${i + 1}-`)) && p.format === 'mail' && p.hunks.length > 0));
});
