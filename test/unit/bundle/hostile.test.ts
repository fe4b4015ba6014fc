// Bundle reader against crafted hostile archives (built here with tar-stream): each is refused with exit 2, nothing lands outside.
import test from 'ava';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { pack as tarPack, type Header } from 'tar-stream';
import { EXIT, HarnessError } from '../../../harness/common/errors.ts';
import { readBundle, type BundleLimits } from '../../../harness/bundle/read.ts';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

interface Crafted {
  header: Partial<Header> & { name: string };
  data?: Buffer | string;
  /** Write the header only, as if the archive were cut right after it (for sizes no test should allocate). */
  headerOnly?: boolean;
}

/** Raw tar bytes from tar-stream, entries in the order given, whatever they claim. */
async function craftTar(entries: Crafted[]): Promise<Buffer> {
  const pack = tarPack();
  const chunks: Buffer[] = [];
  pack.on('data', (c) => {
    chunks.push(c as Buffer);
  });
  for (const e of entries) {
    const header = { mtime: new Date(0), ...e.header };
    if (e.headerOnly) {
      pack.entry(header);
      await tick();
      await tick();
      pack.destroy();
      return Buffer.concat(chunks);
    }
    await new Promise<void>((resolve, reject) => pack.entry(header, e.data ?? '', (err) => (err ? reject(err) : resolve())));
  }
  const ended = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  pack.finalize();
  await ended;
  return Buffer.concat(chunks);
}

/** A manifest naming `files` (logical name → content), as the writer would make it. */
function manifest(files: Record<string, Buffer | string>, extra: Record<string, unknown> = {}): Crafted {
  const record = Object.fromEntries(Object.entries(files).map(([n, c]) => [n, { sha256: sha(c), size: Buffer.byteLength(c) }]));
  return { header: { name: 'manifest.json' }, data: JSON.stringify({ bundleVersion: 1, files: record, ...extra }) };
}

function blob(content: Buffer | string, header: Partial<Header> = {}): Crafted {
  return { header: { name: `blobs/${sha(content)}`, ...header }, data: content };
}

const HELLO = 'hello\n';
const OK = [manifest({ log: HELLO }), blob(HELLO)];

interface Case {
  title: string;
  /** Entries, given the scratch folder the bundle sits in (its parent of the unpack folder). */
  entries: (base: string) => Crafted[];
  /** Bytes instead of entries: the whole file as given. */
  raw?: Buffer;
  limits?: Partial<BundleLimits>;
  entry: (base: string) => string;
  reason: RegExp;
}

const cases: Case[] = [
  {
    title: 'an absolute path',
    entries: (base) => [...OK, { header: { name: join(base, 'abs-escape') }, data: 'pwned' }],
    entry: (base) => join(base, 'abs-escape'),
    reason: /an absolute path/,
  },
  { title: '../escape', entries: () => [...OK, { header: { name: '../escape' }, data: 'pwned' }], entry: () => '../escape', reason: /a "\.\." component/ },
  { title: 'a/../../escape', entries: () => [...OK, { header: { name: 'a/../../escape' }, data: 'pwned' }], entry: () => 'a/../../escape', reason: /a "\.\." component/ },
  {
    title: 'a symlink to /etc/passwd with a write through it',
    entries: () => [manifest({ log: HELLO }), blob('', { name: `blobs/${sha(HELLO)}`, type: 'symlink', linkname: '/etc/passwd' }), blob(HELLO)],
    entry: () => `blobs/${sha(HELLO)}`,
    reason: /a symbolic link; bundles hold no links \(to "\/etc\/passwd"\)/,
  },
  {
    title: 'a symlink to ../.. with a write through it',
    entries: () => [...OK, { header: { name: 'up', type: 'symlink', linkname: '../..' } }, { header: { name: 'up/escape' }, data: 'pwned' }],
    entry: () => 'up',
    reason: /a symbolic link; bundles hold no links \(to "\.\.\/\.\."\)/,
  },
  {
    title: 'a hard link to a file outside',
    entries: () => [...OK, { header: { name: 'hard', type: 'link', linkname: '../sentinel' } }, { header: { name: 'hard' }, data: 'pwned' }],
    entry: () => 'hard',
    reason: /a hard link; bundles hold no links \(to "\.\.\/sentinel"\)/,
  },
  {
    title: 'a character device',
    entries: () => [...OK, { header: { name: 'null', type: 'character-device', devmajor: 1, devminor: 3 } }],
    entry: () => 'null',
    reason: /a character device/,
  },
  { title: 'a block device', entries: () => [...OK, { header: { name: 'sda', type: 'block-device', devmajor: 8, devminor: 0 } }], entry: () => 'sda', reason: /a block device/ },
  { title: 'a FIFO', entries: () => [...OK, { header: { name: 'pipe', type: 'fifo' } }], entry: () => 'pipe', reason: /a FIFO/ },
  { title: 'a directory entry', entries: () => [{ header: { name: 'blobs', type: 'directory' } }, ...OK], entry: () => 'blobs', reason: /a directory entry/ },
  {
    title: 'a declared size above the default 2 GiB limit',
    entries: () => [manifest({ log: HELLO }), { header: { name: `blobs/${sha(HELLO)}`, size: 3 * 1024 ** 3 }, headerOnly: true }],
    entry: () => `blobs/${sha(HELLO)}`,
    reason: /declares 3221225472 bytes, above the limit of 2147483648 bytes/,
  },
  {
    title: 'a declared size above a configured limit',
    entries: () => [manifest({ big: Buffer.alloc(4096, 1) }), blob(Buffer.alloc(4096, 1))],
    limits: { maxBytes: 4096 },
    entry: () => `blobs/${sha(Buffer.alloc(4096, 1))}`,
    reason: /declares 4096 bytes, above the limit of 4096 bytes/,
  },
  {
    title: 'too many entries',
    entries: () => [manifest({ a: 'a', b: 'b', c: 'c' }), blob('a'), blob('b'), blob('c')],
    limits: { maxEntries: 3 },
    entry: () => `blobs/${sha('c')}`,
    reason: /more than 3 entries/,
  },
  {
    title: 'a blob whose content does not match its name',
    entries: () => [manifest({ log: HELLO }), { header: { name: `blobs/${sha(HELLO)}` }, data: 'HELLO\n' }],
    entry: () => `blobs/${sha(HELLO)}`,
    reason: /does not match the SHA-256 it is named by/,
  },
  {
    title: 'a manifest naming a blob the bundle lacks',
    entries: () => [manifest({ log: HELLO, 'kernel/bzImage': 'missing' }), blob(HELLO)],
    entry: () => `blobs/${sha('missing')}`,
    reason: /missing; the manifest names it for kernel\/bzImage/,
  },
  {
    title: 'a blob the manifest does not name',
    entries: () => [...OK, blob('extra')],
    entry: () => `blobs/${sha('extra')}`,
    reason: /a blob the manifest does not name/,
  },
  {
    title: 'a blob whose size differs from the manifest',
    entries: () => [{ header: { name: 'manifest.json' }, data: JSON.stringify({ bundleVersion: 1, files: { log: { sha256: sha(HELLO), size: 99 } } }) }, blob(HELLO)],
    entry: () => `blobs/${sha(HELLO)}`,
    reason: /holds 6 bytes where the manifest says 99/,
  },
  { title: 'a blob before the manifest', entries: () => [blob(HELLO), manifest({ log: HELLO })], entry: () => `blobs/${sha(HELLO)}`, reason: /the first entry must be manifest\.json/ },
  { title: 'an unexpected file name', entries: () => [...OK, { header: { name: 'notes.txt' }, data: 'x' }], entry: () => 'notes.txt', reason: /not manifest\.json or blobs\/<sha256>/ },
  {
    title: 'a name with a NUL byte (pax path)',
    entries: () => [...OK, { header: { name: 'x', pax: { path: 'blobs/\0../../escape' } } as Crafted['header'], data: 'pwned' }],
    entry: () => 'blobs/\0../../escape',
    reason: /a NUL byte in the name/,
  },
  { title: 'a name with a backslash', entries: () => [...OK, { header: { name: '..\\escape' }, data: 'pwned' }], entry: () => '..\\escape', reason: /a backslash in the name/ },
  {
    title: 'another bundle version',
    entries: () => [{ header: { name: 'manifest.json' }, data: JSON.stringify({ bundleVersion: 2, files: {} }) }],
    entry: () => 'manifest.json',
    reason: /bundle version 2; this harness reads version 1/,
  },
  {
    title: 'a manifest naming an escaping logical file',
    entries: () => [{ header: { name: 'manifest.json' }, data: JSON.stringify({ bundleVersion: 1, files: { '../x': { sha256: sha(HELLO), size: 6 } } }) }, blob(HELLO)],
    entry: () => 'manifest.json',
    reason: /files\.\.\.\/x: a "\.\." component/,
  },
  { title: 'a manifest that is not JSON', entries: () => [{ header: { name: 'manifest.json' }, data: '{' }], entry: () => 'manifest.json', reason: /not valid JSON/ },
  {
    title: 'a gzip bomb',
    entries: () => [manifest({ zeros: Buffer.alloc(4 * 1024 ** 2) }), blob(Buffer.alloc(4 * 1024 ** 2))],
    limits: { ratioAfterBytes: 1024 ** 2, maxRatio: 50 },
    entry: () => '(archive)',
    reason: /uncompresses more than 50 times its size \(a gzip bomb\?\)/,
  },
  { title: 'a file that is not gzip', entries: () => [], raw: Buffer.from('this is not a bundle\n'), entry: () => '(gzip)', reason: /not a valid gzip stream/ },
  { title: 'an archive without a manifest', entries: () => [], entry: () => 'manifest.json', reason: /missing/ },
];

function listTree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

for (const c of cases) {
  test(`refuses ${c.title}`, async (t) => {
    const base = mkdtempSync(join(tmpdir(), 'cxl-hostile-'));
    t.teardown(() => rmSync(base, { recursive: true, force: true }));
    writeFileSync(join(base, 'sentinel'), 'untouched\n');
    const file = join(base, 'bundle.tar.gz');
    writeFileSync(file, c.raw ?? gzipSync(await craftTar(c.entries(base))));
    const err = await t.throwsAsync(readBundle(file, join(base, 'out'), c.limits));
    t.true(err instanceof HarnessError, String(err));
    const h = err as HarnessError;
    t.is(h.exitCode, EXIT.input);
    t.is(h.stage, 'bundle');
    t.true(h.message.startsWith(`bundle ${file} refused: ${JSON.stringify(c.entry(base))}: `), h.message);
    t.regex(h.message, c.reason);
    // Nothing outside the unpack folder, and the unpack folder (created by readBundle) is gone again.
    t.deepEqual(listTree(base), ['bundle.tar.gz', 'sentinel']);
    t.is(readFileSync(join(base, 'sentinel'), 'utf8'), 'untouched\n');
  });
}

test('a refused bundle leaves an unpack folder that existed empty, and empty', async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'cxl-hostile-'));
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  const file = join(base, 'bundle.tar.gz');
  writeFileSync(file, gzipSync(await craftTar([manifest({ log: HELLO, lost: 'lost' }), blob(HELLO)])));
  mkdirSync(join(base, 'out'));
  const err = await t.throwsAsync(readBundle(file, join(base, 'out')));
  t.regex(err!.message, /missing; the manifest names it for lost/);
  t.deepEqual(listTree(base), ['bundle.tar.gz', 'out']);
});

test('a truncated archive is refused as a damaged gzip or tar stream', async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'cxl-hostile-'));
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  const file = join(base, 'bundle.tar.gz');
  const whole = gzipSync(await craftTar([manifest({ big: Buffer.alloc(100_000, 7) }), blob(Buffer.alloc(100_000, 7))]));
  writeFileSync(file, whole.subarray(0, whole.length - 40));
  const err = await t.throwsAsync(readBundle(file, join(base, 'out')));
  t.is((err as HarnessError).exitCode, EXIT.input);
  t.regex(err!.message, /not a valid (gzip stream|tar archive)/);
  t.false(existsSync(join(base, 'out')));
});

test('an unpack folder that is not empty is refused before anything is read', async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'cxl-hostile-'));
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  const file = join(base, 'bundle.tar.gz');
  writeFileSync(file, gzipSync(await craftTar(OK)));
  mkdirSync(join(base, 'out'));
  writeFileSync(join(base, 'out', 'keep'), 'mine');
  const err = await t.throwsAsync(readBundle(file, join(base, 'out')));
  t.regex(err!.message, /must be empty or absent/);
  t.is(readFileSync(join(base, 'out', 'keep'), 'utf8'), 'mine');
});

test('a crafted archive that follows every rule is accepted', async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'cxl-hostile-'));
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  const file = join(base, 'bundle.tar.gz');
  writeFileSync(file, gzipSync(await craftTar(OK)));
  const read = await readBundle(file, join(base, 'out'));
  t.is(readFileSync(read.files.get('log')!, 'utf8'), HELLO);
});
