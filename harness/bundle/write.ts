// Writes a bundle: a deterministic gzip tar of manifest.json and every distinct content once, streamed from disk.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack as tarPack, type Pack } from 'tar-stream';
import { HarnessError } from '../common/errors.ts';
import { blobName, MANIFEST_NAME, nameProblem } from './layout.ts';
import { BUNDLE_VERSION, type BundleFile } from './manifest.ts';

export interface BundleEntry {
  /** The logical name, e.g. "kernel/bzImage": relative and normalised. */
  name: string;
  /** A file to stream in; exactly one of path and data. */
  path?: string;
  data?: Buffer | string;
  /** Permission bits recorded in the manifest (blobs themselves are stored 0644). */
  mode?: number;
}

export interface BundleInput {
  manifest: Record<string, unknown>;
  entries: BundleEntry[];
}

/** Where one blob's content comes from. */
type Source = { path: string } | { data: Buffer };

function fail(message: string, cause?: unknown): HarnessError {
  return new HarnessError(message, { stage: 'bundle', cause });
}

/** Streams a file through SHA-256; memory stays flat whatever its size. */
async function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
    }
  } catch (err) {
    throw fail(`cannot read ${path} for the bundle`, err);
  }
  return { sha256: hash.digest('hex'), size };
}

function checkEntries(entries: BundleEntry[], manifest: Record<string, unknown>): void {
  for (const key of ['bundleVersion', 'files']) {
    if (key in manifest) throw fail(`bundle manifest: "${key}" is written by the bundle writer, not given`);
  }
  const seen = new Set<string>();
  for (const e of entries) {
    const problem = nameProblem(e.name);
    if (problem) throw fail(`bundle entry ${JSON.stringify(e.name)}: ${problem}`);
    if (seen.has(e.name)) throw fail(`bundle entry ${JSON.stringify(e.name)} is given twice`);
    seen.add(e.name);
    if ((e.path === undefined) === (e.data === undefined)) throw fail(`bundle entry ${JSON.stringify(e.name)}: give exactly one of path and data`);
  }
}

/** Hashes every entry; each distinct content becomes one blob, whichever entries share it. */
async function describe(entries: BundleEntry[]): Promise<{ files: Record<string, BundleFile>; blobs: Map<string, { size: number; source: Source }> }> {
  const files: Record<string, BundleFile> = {};
  const blobs = new Map<string, { size: number; source: Source }>();
  for (const e of [...entries].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    let sha256: string;
    let size: number;
    let source: Source;
    if (e.path !== undefined) {
      ({ sha256, size } = await hashFile(e.path));
      source = { path: e.path };
    } else {
      const data = Buffer.from(e.data!);
      sha256 = createHash('sha256').update(data).digest('hex');
      size = data.length;
      source = { data };
    }
    files[e.name] = { sha256, size, ...(e.mode === undefined ? {} : { mode: e.mode }) };
    if (!blobs.has(sha256)) blobs.set(sha256, { size, source });
  }
  return { files, blobs };
}

/** The same header for every entry but name and size, so equal inputs give equal bytes. */
function header(name: string, size: number) {
  return { name, size, mode: 0o644, type: 'file' as const, mtime: new Date(0), uid: 0, gid: 0, uname: '', gname: '' };
}

/** Adds one entry, streaming a file's content with backpressure and checking it still hashes as it did. */
async function addEntry(pack: Pack, name: string, size: number, source: Source, sha256?: string): Promise<void> {
  let sink!: ReturnType<Pack['entry']>;
  const done = new Promise<void>((resolve, reject) => {
    const callback = (err?: Error | null) => (err ? reject(err) : resolve());
    sink = 'data' in source ? pack.entry(header(name, size), source.data, callback) : pack.entry(header(name, size), callback);
  });
  if ('data' in source) return done;
  // When this function gives up early the pack is destroyed, failing `done` with nobody left awaiting it.
  done.catch(() => undefined);
  const hash = createHash('sha256');
  let written = 0;
  for await (const chunk of createReadStream(source.path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    written += chunk.length;
    if (written > size) throw fail(`${source.path} grew while it was being bundled`);
    if (!sink.write(chunk)) await Promise.race([new Promise<void>((drained) => sink.once('drain', () => drained())), done]);
  }
  if (hash.digest('hex') !== sha256) throw fail(`${source.path} changed while it was being bundled`);
  sink.end(null);
  return done;
}

/**
 * Writes `file` (a .tar.gz): manifest.json first (the given manifest plus bundleVersion and `files`, logical name →
 * { sha256, size, mode? }), then blobs/<sha256> in hash order; mtime 0, uid/gid 0. The file appears only when complete.
 * Returns its size in bytes and the number of distinct blobs.
 */
export async function writeBundle(file: string, input: BundleInput): Promise<{ bytes: number; blobs: number }> {
  checkEntries(input.entries, input.manifest);
  const { files, blobs } = await describe(input.entries);
  const manifest = Buffer.from(`${JSON.stringify({ ...input.manifest, bundleVersion: BUNDLE_VERSION, files }, null, 2)}\n`);
  const tmp = `${file}.tmp-${process.pid}`;
  await rm(tmp, { force: true });
  const pack = tarPack();
  const written = pipeline(Readable.from(pack), createGzip(), createWriteStream(tmp, { flags: 'wx' }));
  // A failed write (disk full, say) ends the entry being added, whose callback then rejects.
  written.catch((err: Error) => pack.destroy(err));
  try {
    await addEntry(pack, MANIFEST_NAME, manifest.length, { data: manifest });
    for (const sha256 of [...blobs.keys()].sort()) {
      const blob = blobs.get(sha256)!;
      await addEntry(pack, blobName(sha256), blob.size, blob.source, sha256);
    }
    pack.finalize();
    await written;
    await rename(tmp, file);
  } catch (err) {
    pack.destroy(err as Error);
    await written.catch(() => undefined);
    await rm(tmp, { force: true });
    throw err instanceof HarnessError ? err : fail(`cannot write the bundle ${file}`, err);
  }
  return { bytes: (await stat(file)).size, blobs: blobs.size };
}
