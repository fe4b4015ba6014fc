// Bundle writer: checked with the system tar (listing, owners, dates, bytes), then read back; dedup, determinism, refusals.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HarnessError } from '../../../harness/common/errors.ts';
import { readBundle } from '../../../harness/bundle/read.ts';
import { writeBundle, type BundleEntry } from '../../../harness/bundle/write.ts';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function scratch(t: { teardown: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'cxl-bundle-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function tar(args: string[]): string {
  const r = spawnSync('tar', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tar ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A 3 MiB "bzImage" on disk, referenced twice; a config given as a string; a script given as a buffer. */
function sources(dir: string): { entries: BundleEntry[]; contents: Map<string, Buffer> } {
  const bzImage = randomBytes(3 * 1024 * 1024);
  writeFileSync(join(dir, 'bzImage'), bzImage);
  const config = 'CONFIG_CXL_BUS=y\nCONFIG_CXL_MEM=y\n';
  const script = Buffer.from('#!/bin/sh\necho replay\n');
  return {
    entries: [
      { name: 'kernel/bzImage', path: join(dir, 'bzImage') },
      { name: 'image/vmlinuz', path: join(dir, 'bzImage') },
      { name: 'kernel/.config', data: config },
      { name: 'scripts/run.sh', data: script, mode: 0o755 },
    ],
    contents: new Map([
      ['kernel/bzImage', bzImage],
      ['image/vmlinuz', bzImage],
      ['kernel/.config', Buffer.from(config)],
      ['scripts/run.sh', script],
    ]),
  };
}

test('round trip: system tar lists and extracts the bundle; readBundle gives back every logical file', async (t) => {
  const dir = scratch(t);
  const { entries, contents } = sources(dir);
  const file = join(dir, 'bundle.tar.gz');
  const result = await writeBundle(file, { manifest: { kernel: { spec: 'debian:7.2' }, qemu: { argv: ['-M', 'q35'] } }, entries });
  t.is(result.bytes, statSync(file).size);
  t.is(result.blobs, 3);

  const listing = tar(['-tzvf', file]).trim().split('\n');
  const names = listing.map((l) => l.split(/\s+/).at(-1));
  const blobs = [...new Set([...contents.values()].map((c) => `blobs/${sha(c)}`))].sort();
  t.deepEqual(names, ['manifest.json', ...blobs], 'manifest first, then one blob per distinct content, sorted');
  for (const line of listing) t.regex(line, /^-rw-r--r-- 0\/0 +\d+ 1970-01-01 00:00 /);

  const out = join(dir, 'tar-x');
  mkdirSync(out);
  tar(['-xzf', file, '-C', out]);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  t.deepEqual(manifest, {
    kernel: { spec: 'debian:7.2' },
    qemu: { argv: ['-M', 'q35'] },
    bundleVersion: 1,
    files: Object.fromEntries(
      [...contents].map(([name, c]) => [name, { sha256: sha(c), size: c.length, ...(name === 'scripts/run.sh' ? { mode: 0o755 } : {}) }]),
    ),
  });
  for (const c of contents.values()) t.true(readFileSync(join(out, 'blobs', sha(c))).equals(c));

  const into = join(dir, 'read');
  const read = await readBundle(file, into);
  t.deepEqual(read.manifest, manifest);
  t.deepEqual([...read.files.keys()].sort(), [...contents.keys()].sort());
  for (const [name, path] of read.files) {
    t.true(path.startsWith(`${into}/`), path);
    t.true(readFileSync(path).equals(contents.get(name)!), name);
  }
});

test('the same content given three ways is stored once', async (t) => {
  const dir = scratch(t);
  const content = randomBytes(64 * 1024);
  writeFileSync(join(dir, 'a'), content);
  const file = join(dir, 'bundle.tar.gz');
  const result = await writeBundle(file, {
    manifest: {},
    entries: [
      { name: 'from-path', path: join(dir, 'a') },
      { name: 'from-buffer', data: content },
      { name: 'other/from-buffer', data: Buffer.from(content) },
    ],
  });
  t.is(result.blobs, 1);
  t.deepEqual(tar(['-tzf', file]).trim().split('\n'), ['manifest.json', `blobs/${sha(content)}`]);
});

test('equal inputs give byte-identical bundles', async (t) => {
  const dir = scratch(t);
  const { entries } = sources(dir);
  const input = { manifest: { run: 'x' }, entries };
  await writeBundle(join(dir, 'one.tar.gz'), input);
  await writeBundle(join(dir, 'two.tar.gz'), { manifest: { run: 'x' }, entries: [...entries].reverse() });
  t.true(readFileSync(join(dir, 'one.tar.gz')).equals(readFileSync(join(dir, 'two.tar.gz'))));
});

const badInputs: { title: string; manifest?: Record<string, unknown>; entries: BundleEntry[]; message: RegExp }[] = [
  { title: 'an absolute name', entries: [{ name: '/etc/passwd', data: 'x' }], message: /an absolute path/ },
  { title: 'a ".." component', entries: [{ name: 'a/../../b', data: 'x' }], message: /a "\.\." component/ },
  { title: 'a name that is not normalised', entries: [{ name: './a', data: 'x' }], message: /not normalised/ },
  { title: 'a name given twice', entries: [{ name: 'a', data: 'x' }, { name: 'a', data: 'y' }], message: /given twice/ },
  { title: 'both path and data', entries: [{ name: 'a', data: 'x', path: '/etc/hostname' }], message: /exactly one of path and data/ },
  { title: 'a reserved manifest key', manifest: { files: {} }, entries: [], message: /"files" is written by the bundle writer/ },
  { title: 'a file that cannot be read', entries: [{ name: 'a', path: '/nonexistent/bzImage' }], message: /cannot read \/nonexistent\/bzImage/ },
];

for (const bad of badInputs) {
  test(`the writer refuses ${bad.title} and leaves no file`, async (t) => {
    const dir = scratch(t);
    const file = join(dir, 'bundle.tar.gz');
    const err = await t.throwsAsync(writeBundle(file, { manifest: bad.manifest ?? {}, entries: bad.entries }));
    t.true(err instanceof HarnessError);
    t.is((err as HarnessError).stage, 'bundle');
    t.regex(err!.message, bad.message);
    t.false(existsSync(file));
    t.deepEqual(readdirSync(dir), []);
  });
}
