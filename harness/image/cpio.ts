// In-memory, reproducible builder for the "newc" cpio archives the Linux kernel unpacks as an initramfs.

import { HarnessError } from '../common/errors.ts';

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const HEADER_SIZE = 110;
const TRAILER = 'TRAILER!!!';

interface Entry {
  path: string;
  mode: number;
  data: Buffer;
}

const fail = (message: string): HarnessError => new HarnessError(message, { stage: 'image' });

const pad4 = (n: number): number => (4 - (n % 4)) % 4;

function checkPath(path: string): void {
  if (path === '' || path.startsWith('/') || path.endsWith('/') || path.includes('\0')) {
    throw fail(`cpio path ${JSON.stringify(path)} must be relative, non-empty, without a trailing slash or NUL`);
  }
  for (const part of path.split('/')) {
    if (part === '' || part === '.' || part === '..') {
      throw fail(`cpio path ${JSON.stringify(path)} has an empty, '.' or '..' component`);
    }
  }
}

function checkPerm(path: string, mode: number): void {
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
    throw fail(`cpio mode for ${JSON.stringify(path)} must be permission bits 0..0o7777, got ${mode}`);
  }
}

function header(ino: number, e: Entry, nlink: number, nameSize: number): string {
  const fields = [ino, e.mode, 0, 0, nlink, 0, e.data.length, 0, 0, 0, 0, nameSize, 0];
  return '070701' + fields.map((f) => f.toString(16).padStart(8, '0')).join('');
}

function record(ino: number, e: Entry, nlink: number): Buffer {
  const name = Buffer.from(e.path + '\0', 'utf8');
  const head = Buffer.from(header(ino, e, nlink, name.length), 'ascii');
  return Buffer.concat([
    head,
    name,
    Buffer.alloc(pad4(HEADER_SIZE + name.length)),
    e.data,
    Buffer.alloc(pad4(e.data.length)),
  ]);
}

export class CpioWriter {
  // Insertion order is archive order; parents are inserted before their first child.
  private readonly entries = new Map<string, Entry>();

  /** Adds a directory; on one already created implicitly or explicitly, sets its mode instead. */
  dir(path: string, mode = 0o755): this {
    checkPath(path);
    checkPerm(path, mode);
    const existing = this.entries.get(path);
    if (existing) {
      if ((existing.mode & 0o170000) !== S_IFDIR) throw fail(`cpio path ${JSON.stringify(path)} exists and is not a directory`);
      existing.mode = S_IFDIR | mode;
      return this;
    }
    this.parents(path);
    this.entries.set(path, { path, mode: S_IFDIR | mode, data: Buffer.alloc(0) });
    return this;
  }

  file(path: string, data: Buffer, mode = 0o644): this {
    checkPerm(path, mode);
    if (data.length > 0xffffffff) throw fail(`cpio file ${JSON.stringify(path)} is larger than newc's 4 GiB limit`);
    // Copy so later mutation of the caller's buffer cannot change the archive.
    this.add({ path, mode: S_IFREG | mode, data: Buffer.from(data) });
    return this;
  }

  symlink(path: string, target: string): this {
    if (target === '' || target.includes('\0')) throw fail(`cpio symlink ${JSON.stringify(path)} needs a non-empty target without NUL`);
    this.add({ path, mode: S_IFLNK | 0o777, data: Buffer.from(target, 'utf8') });
    return this;
  }

  /** The archive, ending with the trailer; inode numbers are 1.. in archive order. */
  toBuffer(): Buffer {
    const parts: Buffer[] = [];
    let ino = 1;
    for (const e of this.entries.values()) {
      parts.push(record(ino++, e, (e.mode & 0o170000) === S_IFDIR ? 2 : 1));
    }
    parts.push(record(0, { path: TRAILER, mode: 0, data: Buffer.alloc(0) }, 1));
    return Buffer.concat(parts);
  }

  private add(e: Entry): void {
    checkPath(e.path);
    if (this.entries.has(e.path)) throw fail(`cpio path ${JSON.stringify(e.path)} was already added`);
    this.parents(e.path);
    this.entries.set(e.path, e);
  }

  private parents(path: string): void {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      const existing = this.entries.get(parent);
      if (!existing) {
        this.entries.set(parent, { path: parent, mode: S_IFDIR | 0o755, data: Buffer.alloc(0) });
      } else if ((existing.mode & 0o170000) !== S_IFDIR) {
        throw fail(`cpio path ${JSON.stringify(path)} needs ${JSON.stringify(parent)} to be a directory`);
      }
    }
  }
}
