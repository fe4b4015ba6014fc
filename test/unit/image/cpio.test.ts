// Byte-level and round-trip tests for the newc cpio writer.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CpioWriter } from '../../../harness/image/cpio.ts';
import { HarnessError } from '../../../harness/common/errors.ts';

interface Parsed {
  ino: number;
  mode: number;
  nlink: number;
  name: string;
  data: Buffer;
}

/** Reads newc records up to and including the first trailer; returns them and the offset after the trailer. */
function parse(buf: Buffer, start = 0): { entries: Parsed[]; end: number } {
  const entries: Parsed[] = [];
  let off = start;
  for (;;) {
    const magic = buf.toString('ascii', off, off + 6);
    if (magic !== '070701') throw new Error(`bad magic ${JSON.stringify(magic)} at ${off}`);
    const field = (i: number): number => parseInt(buf.toString('ascii', off + 6 + i * 8, off + 14 + i * 8), 16);
    if (off % 4 !== 0) throw new Error(`header at unaligned offset ${off}`);
    const fields = Array.from({ length: 13 }, (_, i) => field(i));
    const [ino, mode, nlink, fileSize, nameSize] = [0, 1, 4, 6, 11].map((i) => fields[i]!) as [number, number, number, number, number];
    const name = buf.toString('utf8', off + 110, off + 110 + nameSize - 1);
    if (buf[off + 110 + nameSize - 1] !== 0) throw new Error(`name of ${name} not NUL-terminated`);
    for (const z of [2, 3, 5, 7, 8, 9, 10, 12]) if (fields[z] !== 0) throw new Error(`field ${z} of ${name} not 0`);
    off += 110 + nameSize;
    off += (4 - (off % 4)) % 4;
    const data = buf.subarray(off, off + fileSize);
    off += fileSize;
    off += (4 - (off % 4)) % 4;
    entries.push({ ino, mode, nlink, name, data });
    if (name === 'TRAILER!!!') return { entries, end: off };
  }
}

const hex8 = (n: number): string => n.toString(16).padStart(8, '0');
/** A header written out field by field: ino mode uid gid nlink mtime filesize devmaj devmin rdevmaj rdevmin namesize check. */
const hdr = (ino: number, mode: number, nlink: number, size: number, nameSize: number): string =>
  '070701' + [ino, mode, 0, 0, nlink, 0, size, 0, 0, 0, 0, nameSize, 0].map(hex8).join('');

test('a small archive has exactly the hand-computed bytes', (t) => {
  const buf = new CpioWriter().file('d/x', Buffer.from('hi')).symlink('l', 'd/x').toBuffer();
  const expected = Buffer.concat([
    // "d": implicit parent, 0o040755 = 0x41ed, 110 + 2 name bytes = 112, no padding.
    Buffer.from(hdr(1, 0x41ed, 2, 0, 2) + 'd\0', 'latin1'),
    // "d/x": 0o100644 = 0x81a4, 110 + 4 = 114 -> 2 pad; data 2 -> 2 pad.
    Buffer.from(hdr(2, 0x81a4, 1, 2, 4) + 'd/x\0' + '\0\0' + 'hi' + '\0\0', 'latin1'),
    // "l": 0o120777 = 0xa1ff, the target is the data; 3 -> 1 pad.
    Buffer.from(hdr(3, 0xa1ff, 1, 3, 2) + 'l\0' + 'd/x' + '\0', 'latin1'),
    // Trailer: 110 + 11 = 121 -> 3 pad.
    Buffer.from(hdr(0, 0, 1, 0, 11) + 'TRAILER!!!\0' + '\0\0\0', 'latin1'),
  ]);
  t.is(expected.length, 112 + 120 + 116 + 124);
  t.true(buf.equals(expected));
});

test('an empty archive is just the trailer', (t) => {
  const buf = new CpioWriter().toBuffer();
  t.is(buf.length, 124);
  t.deepEqual(parse(buf).entries.map((e) => e.name), ['TRAILER!!!']);
});

function sample(): CpioWriter {
  return new CpioWriter()
    .file('usr/lib/modules/7.2/kernel/drivers/cxl/cxl_pci.ko', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 1]))
    .dir('usr/lib/modules/7.2', 0o700)
    .file('init', Buffer.from('#!/bin/sh\nexec /bin/busybox sh\n'), 0o755)
    .symlink('bin/sh', 'busybox')
    .file('bin/busybox', Buffer.alloc(4097, 0xab), 0o755)
    .dir('dev')
    .dir('proc', 0o555)
    .file('etc/empty', Buffer.alloc(0));
}

test('a generated archive parses back with parents first, unique inodes and exact contents', (t) => {
  const buf = sample().toBuffer();
  t.is(buf.length % 4, 0);
  const { entries, end } = parse(buf);
  t.is(end, buf.length);
  const names = entries.map((e) => e.name);
  t.deepEqual(names, [
    'usr',
    'usr/lib',
    'usr/lib/modules',
    'usr/lib/modules/7.2',
    'usr/lib/modules/7.2/kernel',
    'usr/lib/modules/7.2/kernel/drivers',
    'usr/lib/modules/7.2/kernel/drivers/cxl',
    'usr/lib/modules/7.2/kernel/drivers/cxl/cxl_pci.ko',
    'init',
    'bin',
    'bin/sh',
    'bin/busybox',
    'dev',
    'proc',
    'etc',
    'etc/empty',
    'TRAILER!!!',
  ]);
  for (const [i, e] of entries.entries()) {
    if (e.name === 'TRAILER!!!') continue;
    const slash = e.name.lastIndexOf('/');
    if (slash > 0) t.true(names.indexOf(e.name.slice(0, slash)) < i, `${e.name} after its parent`);
  }
  const inodes = entries.filter((e) => e.name !== 'TRAILER!!!').map((e) => e.ino);
  t.is(new Set(inodes).size, inodes.length);
  t.false(inodes.includes(0));
  const by = new Map(entries.map((e) => [e.name, e]));
  t.is(by.get('usr/lib/modules/7.2')!.mode, 0o040700, 'explicit dir() after an implicit parent sets its mode');
  t.is(by.get('usr/lib')!.mode, 0o040755);
  t.is(by.get('proc')!.mode, 0o040555);
  t.is(by.get('init')!.mode, 0o100755);
  t.is(by.get('etc/empty')!.mode, 0o100644);
  t.is(by.get('etc/empty')!.data.length, 0);
  t.is(by.get('bin/sh')!.mode, 0o120777);
  t.is(by.get('bin/sh')!.data.toString(), 'busybox');
  t.true(by.get('bin/busybox')!.data.equals(Buffer.alloc(4097, 0xab)));
  t.is(by.get('dev')!.nlink, 2);
});

test('the same calls give identical bytes', (t) => {
  t.true(sample().toBuffer().equals(sample().toBuffer()));
  const w = sample();
  t.true(w.toBuffer().equals(w.toBuffer()), 'toBuffer does not change the writer');
});

test('the archive keeps the data as it was when added', (t) => {
  const data = Buffer.from('abc');
  const w = new CpioWriter().file('f', data);
  data.fill(0);
  t.is(parse(w.toBuffer()).entries[0]!.data.toString(), 'abc');
});

test('bad paths, duplicates and non-directory parents are refused', (t) => {
  for (const p of ['', '/etc', 'etc/', 'a//b', './a', 'a/../b', 'a\0b']) {
    t.throws(() => new CpioWriter().file(p, Buffer.alloc(0)), { instanceOf: HarnessError }, p);
  }
  t.throws(() => new CpioWriter().file('a', Buffer.alloc(0)).file('a', Buffer.alloc(0)), { instanceOf: HarnessError });
  t.throws(() => new CpioWriter().file('a', Buffer.alloc(0)).dir('a'), { instanceOf: HarnessError });
  t.throws(() => new CpioWriter().dir('a').symlink('a', 'b'), { instanceOf: HarnessError });
  t.throws(() => new CpioWriter().symlink('l', 'x').file('l/f', Buffer.alloc(0)), { instanceOf: HarnessError });
  t.throws(() => new CpioWriter().dir('a', 0o10000), { instanceOf: HarnessError });
  t.throws(() => new CpioWriter().symlink('l', ''), { instanceOf: HarnessError });
});

const hasCpio = spawnSync('cpio', ['--version']).status === 0;
(hasCpio ? test : test.skip)('the real cpio -idm extracts the archive', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cpio-test-'));
  try {
    const r = spawnSync('cpio', ['-idm', '--quiet'], { cwd: dir, input: sample().toBuffer() });
    t.is(r.status, 0, r.stderr.toString());
    t.is(readFileSync(join(dir, 'init'), 'utf8'), '#!/bin/sh\nexec /bin/busybox sh\n');
    t.is(readlinkSync(join(dir, 'bin/sh')), 'busybox');
    t.is(statSync(join(dir, 'bin/busybox')).size, 4097);
    t.true(statSync(join(dir, 'usr/lib/modules/7.2/kernel/drivers/cxl')).isDirectory());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
