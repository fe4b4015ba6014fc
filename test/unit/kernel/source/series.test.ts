// readSeries: a b4 mbox with a cover letter, a folder of numbered patches, single files, and malformed input.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { HarnessError } from '../../../../harness/common/errors.ts';
import { readSeries } from '../../../../harness/kernel/source/series.ts';

const fixtures = fileURLToPath(new URL('../../../fixtures/series/', import.meta.url));
const AUTHOR = 'CXL Harness Test <test@cxl-harness.invalid>';
const SUBJECTS = ['cxl/region: refuse an interleave granularity of 256', 'cxl/region: log the refused interleave granularity'];

test('an mbox with a cover letter gives the patches in order, without the cover', async (t) => {
  const patches = await readSeries([join(fixtures, 'cxl-granularity.mbx')]);
  t.deepEqual(patches.map((p) => [p.number, p.subject, p.author, p.format]), [
    [1, SUBJECTS[0], AUTHOR, 'mail'],
    [2, SUBJECTS[1], AUTHOR, 'mail'],
  ]);
  t.true(patches[0]!.text.startsWith('From git@z Thu Jan  1 00:00:00 1970\n'));
  t.true(patches[1]!.text.includes('Link: https://cxl-harness.invalid/'));
  t.deepEqual(patches[0]!.hunks.map((h) => [h.file, h.index, h.count, h.oldStart]), [['drivers/cxl/core/region.c', 1, 1, 603]]);
});

test('a folder of numbered .patch files reads like the same series', async (t) => {
  const patches = await readSeries([join(fixtures, 'cxl-granularity')]);
  t.deepEqual(patches.map((p) => [p.number, p.subject, p.author]), [[1, SUBJECTS[0], AUTHOR], [2, SUBJECTS[1], AUTHOR]]);
});

test('single patch files given out of order are ordered by their [PATCH n/N] number', async (t) => {
  const dir = join(fixtures, 'cxl-granularity');
  const patches = await readSeries([
    join(dir, '0002-cxl-region-log-the-refused-interleave-granularity.patch'),
    join(dir, '0001-cxl-region-refuse-an-interleave-granularity-of-256.patch'),
  ]);
  t.deepEqual(patches.map((p) => p.number), [1, 2]);
});

test('a bare unified diff is numbered by its file name and applied with git apply', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'series-'));
  const diff = (await readSeries([join(fixtures, 'does-not-apply.patch')]))[0]!.text.split('\n---\n')[1]!;
  await writeFile(join(dir, '0003-refuse-3-way.diff'), diff.slice(diff.indexOf('diff --git')));
  const [p] = await readSeries([join(dir, '0003-refuse-3-way.diff')]);
  t.deepEqual([p!.number, p!.subject, p!.author, p!.format], [3, 'refuse-3-way', 'unknown', 'diff']);
});

test('an e-mail without a diff is refused, naming the file', async (t) => {
  const file = join(fixtures, 'malformed', 'no-diff.patch');
  const err = await t.throwsAsync(readSeries([file]), { instanceOf: HarnessError });
  t.is(err?.stage, 'input');
  t.true(err?.message.startsWith(`${file}: `), err?.message);
  t.true(err?.message.includes('contains no diff'), err?.message);
});

test('a file that is neither mail nor diff is refused, naming the file', async (t) => {
  const file = join(fixtures, 'malformed', 'not-a-patch.patch');
  const err = await t.throwsAsync(readSeries([file]), { instanceOf: HarnessError });
  t.is(err?.stage, 'input');
  t.true(err?.message.startsWith(`${file}: is neither`), err?.message);
});

test('a series with a missing patch says which', async (t) => {
  const err = await t.throwsAsync(readSeries([join(fixtures, 'malformed', 'gap.mbx')]), { instanceOf: HarnessError });
  t.true(err?.message.includes('2/3 is missing'), err?.message);
});

test('two patches with the same number are refused', async (t) => {
  const file = join(fixtures, 'cxl-granularity.mbx');
  const err = await t.throwsAsync(readSeries([file, file]), { instanceOf: HarnessError });
  t.true(err?.message.includes('two patches are numbered 1'), err?.message);
});

test('a missing path and an empty folder are input errors', async (t) => {
  const missing = join(fixtures, 'nope.mbx');
  t.is((await t.throwsAsync(readSeries([missing]), { instanceOf: HarnessError }))?.message, `${missing}: does not exist`);
  const empty = await mkdtemp(join(tmpdir(), 'series-'));
  t.true((await t.throwsAsync(readSeries([empty]), { instanceOf: HarnessError }))?.message.includes('no .patch files'));
});

/** A patch e-mail around the diff of does-not-apply.patch, with the given header and body lines. */
async function mail(dir: string, name: string, headers: string[], body: string[]): Promise<string> {
  const patch = (await readFile(join(fixtures, 'does-not-apply.patch'), 'utf8')).split('\n---\n')[1]!;
  const file = join(dir, name);
  await writeFile(file, [...headers, '', ...body, '---', patch.slice(patch.indexOf('diff --git'))].join('\n'));
  return file;
}

test('subjects: version and zero-padded numbering, RFC 2047 encoded names and subjects', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'series-'));
  const numbered = await mail(dir, 'a.patch', ['From: =?UTF-8?q?J=C3=B6rg_R=C3=B6del?= <j@example.org>', 'Subject: [PATCH v3 04/12] cxl/port: fix'], ['Body.']);
  const encoded = await mail(dir, 'b.patch', ['From: Ann <ann@example.org>', 'Subject: [RFC PATCH] =?utf-8?b?w4lsb2TDqWE=?= =?utf-8?q?_Z?='], ['Body.']);
  t.deepEqual((await readSeries([numbered])).map((p) => [p.number, p.subject, p.author]), [[4, 'cxl/port: fix', 'Jörg Rödel <j@example.org>']]);
  t.deepEqual((await readSeries([encoded])).map((p) => [p.number, p.subject, p.author]), [[1, 'Élodéa Z', 'Ann <ann@example.org>']]);
});

test('a patch sent on behalf of someone else names the author of its in-body From: line, as git am does', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'series-'));
  const file = await mail(dir, 'fwd.patch', ['From: Sender <s@example.org>', 'Subject: [PATCH] cxl: forwarded'], ['From: Real Author <r@example.org>', '', 'Body.']);
  t.deepEqual((await readSeries([file])).map((p) => [p.subject, p.author]), [['cxl: forwarded', 'Real Author <r@example.org>']]);
});

test('an RFC cover letter (0/N) is skipped, and a mail without a Subject is refused', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'series-'));
  const cover = await mail(dir, 'cover.patch', ['From: Ann <ann@example.org>', 'Subject: [RFC PATCH 0/2] cover'], ['Cover text.']);
  t.deepEqual(await readSeries([cover]), []);
  const untitled = await mail(dir, 'untitled.patch', ['From: Ann <ann@example.org>'], ['Body.']);
  const err = await t.throwsAsync(readSeries([untitled]), { instanceOf: HarnessError });
  t.is(err?.message, `${untitled}: the message has no Subject header`);
});

test('an empty file is refused, naming the file', async (t) => {
  const file = join(await mkdtemp(join(tmpdir(), 'series-')), 'empty.patch');
  await writeFile(file, '');
  t.is((await t.throwsAsync(readSeries([file]), { instanceOf: HarnessError }))?.message, `${file}: is empty`);
});

test('one patch file picked from a series is accepted on its own', async (t) => {
  const [p] = await readSeries([join(fixtures, 'cxl-granularity', '0002-cxl-region-log-the-refused-interleave-granularity.patch')]);
  t.deepEqual([p!.number, p!.subject], [2, SUBJECTS[1]]);
});
