// Unpacks a bundle given by the user without trusting it: hostile names, links, devices and oversize content are refused.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, realpath, rm, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract, type Extract, type Header } from 'tar-stream';
import { EXIT, HarnessError } from '../common/errors.ts';
import { blobName, blobSha, MANIFEST_NAME, nameProblem } from './layout.ts';
import { BUNDLE_VERSION, manifestSchema, type BundleManifest } from './manifest.ts';

export interface BundleLimits {
  /** Entries in the archive, manifest included. */
  maxEntries: number;
  /** Total declared content size of all entries. */
  maxBytes: number;
  /** Uncompressed ÷ compressed bytes above which the archive is taken for a gzip bomb… */
  maxRatio: number;
  /** …once this much has been uncompressed (small archives of text compress well legitimately). */
  ratioAfterBytes: number;
  maxManifestBytes: number;
}

export const DEFAULT_LIMITS: BundleLimits = {
  maxEntries: 10_000,
  maxBytes: 2 * 1024 ** 3,
  maxRatio: 200,
  ratioAfterBytes: 32 * 1024 ** 2,
  maxManifestBytes: 16 * 1024 ** 2,
};

export interface ReadBundle {
  manifest: BundleManifest;
  /** Logical name → absolute path of its content inside the folder unpacked into. */
  files: Map<string, string>;
}

/** A refused bundle: the user's input is at fault, exit code 2. */
function refuse(bundle: string, entry: string, reason: string): HarnessError {
  return new HarnessError(`bundle ${bundle} refused: ${JSON.stringify(entry)}: ${reason}`, { stage: 'bundle', exitCode: EXIT.input });
}

const TYPE_REASONS: Record<string, string> = {
  symlink: 'a symbolic link; bundles hold no links',
  link: 'a hard link; bundles hold no links',
  'character-device': 'a character device',
  'block-device': 'a block device',
  fifo: 'a FIFO',
  directory: 'a directory entry; bundles hold only files',
  'contiguous-file': 'a contiguous file; bundles hold only regular files',
};

function typeReason(header: Header): string {
  const reason = TYPE_REASONS[header.type] ?? `an entry of unknown type ${JSON.stringify(header.type)}`;
  return header.linkname ? `${reason} (to ${JSON.stringify(header.linkname)})` : reason;
}

async function collect(entry: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of entry) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** One unpacking: what has been seen so far and the checks each entry goes through. */
class Unpacker {
  manifest: BundleManifest | undefined;
  /** sha256 → size the manifest expects, for every blob it names. */
  private expected = new Map<string, number>();
  private written = new Set<string>();
  private entries = 0;
  private declared = 0;

  constructor(
    private readonly bundle: string,
    private readonly root: string,
    private readonly limits: BundleLimits,
  ) {}

  private refuse(entry: string, reason: string): HarnessError {
    return refuse(this.bundle, entry, reason);
  }

  /** The path an entry is written to, checked once more to lie inside the folder. */
  private target(name: string): string {
    const path = resolve(this.root, name);
    if (!path.startsWith(this.root + sep)) throw this.refuse(name, 'a path outside the folder it is unpacked into');
    return path;
  }

  async entry(header: Header, content: AsyncIterable<unknown>): Promise<void> {
    const name = header.name;
    if (++this.entries > this.limits.maxEntries) throw this.refuse(name, `more than ${this.limits.maxEntries} entries`);
    if (header.type !== 'file') throw this.refuse(name, typeReason(header));
    const problem = nameProblem(name);
    if (problem) throw this.refuse(name, problem);
    if (header.size > this.limits.maxBytes - this.declared) {
      throw this.refuse(name, `declares ${header.size} bytes, above the limit of ${this.limits.maxBytes} bytes for the whole bundle`);
    }
    this.declared += header.size;
    if (name === MANIFEST_NAME) return this.readManifest(name, header, content);
    if (!this.manifest) throw this.refuse(name, `the first entry must be ${MANIFEST_NAME}`);
    const sha = blobSha(name);
    if (!sha) throw this.refuse(name, `not ${MANIFEST_NAME} or blobs/<sha256>`);
    const size = this.expected.get(sha);
    if (size === undefined) throw this.refuse(name, 'a blob the manifest does not name');
    if (this.written.has(sha)) throw this.refuse(name, 'a second copy of a blob');
    if (header.size !== size) throw this.refuse(name, `holds ${header.size} bytes where the manifest says ${size}`);
    await this.writeBlob(name, sha, content);
  }

  private async readManifest(name: string, header: Header, content: AsyncIterable<unknown>): Promise<void> {
    if (this.entries !== 1) throw this.refuse(name, `${MANIFEST_NAME} must be the first entry, and only once`);
    if (header.size > this.limits.maxManifestBytes) throw this.refuse(name, `${header.size} bytes, above the ${this.limits.maxManifestBytes}-byte limit for a manifest`);
    const text = await collect(content);
    let json: unknown;
    try {
      json = JSON.parse(text.toString('utf8'));
    } catch (err) {
      throw this.refuse(name, `not valid JSON (${(err as Error).message})`);
    }
    const version = (json as { bundleVersion?: unknown } | null)?.bundleVersion;
    if (version !== BUNDLE_VERSION) throw this.refuse(name, `bundle version ${JSON.stringify(version)}; this harness reads version ${BUNDLE_VERSION}`);
    const parsed = manifestSchema.safeParse(json);
    if (!parsed.success) {
      throw this.refuse(name, parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; '));
    }
    for (const [logical, file] of Object.entries(parsed.data.files)) {
      const size = this.expected.get(file.sha256);
      if (size !== undefined && size !== file.size) throw this.refuse(name, `${logical}: size ${file.size}, but another name with the same SHA-256 says ${size}`);
      this.expected.set(file.sha256, file.size);
    }
    const handle = await open(this.target(name), 'wx', 0o644);
    try {
      await handle.writeFile(text);
    } finally {
      await handle.close();
    }
    this.manifest = parsed.data;
  }

  /** Streams a blob to a new file (never an existing one, never through a link) and checks it hashes to its name. */
  private async writeBlob(name: string, sha: string, content: AsyncIterable<unknown>): Promise<void> {
    if (this.written.size === 0) await mkdir(join(this.root, 'blobs'));
    const handle = await open(this.target(name), 'wx', 0o644);
    const hash = createHash('sha256');
    try {
      for await (const chunk of content) {
        hash.update(chunk as Buffer);
        await handle.write(chunk as Buffer);
      }
    } finally {
      await handle.close();
    }
    this.written.add(sha);
    if (hash.digest('hex') !== sha) throw this.refuse(name, 'its content does not match the SHA-256 it is named by');
  }

  /** After the last entry: the manifest was there and every blob it names was too. */
  finish(): ReadBundle {
    if (!this.manifest) throw this.refuse(MANIFEST_NAME, 'missing');
    const files = new Map<string, string>();
    for (const [logical, file] of Object.entries(this.manifest.files)) {
      if (!this.written.has(file.sha256)) throw this.refuse(blobName(file.sha256), `missing; the manifest names it for ${logical}`);
      files.set(logical, join(this.root, blobName(file.sha256)));
    }
    return { manifest: this.manifest, files };
  }
}

/** Anything but a refusal is the harness's own trouble (a full disk, say): infrastructure, exit 4. */
function infra(bundle: string, err: unknown): HarnessError {
  return err instanceof HarnessError ? err : new HarnessError(`cannot unpack the bundle ${bundle}`, { stage: 'bundle', cause: err });
}

/** Resolves when the parser wants more input, or is gone. */
function drained(extract: Extract): Promise<void> {
  return new Promise((go) => {
    const done = () => {
      extract.off('drain', done);
      extract.off('close', done);
      go();
    };
    extract.on('drain', done);
    extract.on('close', done);
  });
}

/** Gunzips into the tar parser, refusing on the way when the output outgrows the limits. */
async function feed(bundle: string, extract: Extract, limits: BundleLimits): Promise<void> {
  const gunzip = createGunzip();
  // Content plus tar's own headers and padding: generous, but bounded.
  const cap = limits.maxBytes + (limits.maxEntries + 2) * 2048 + 1024 ** 2;
  let out = 0;
  // Kept aside: a stage that throws makes pipeline report its own AbortError instead.
  let refusal: HarnessError | undefined;
  const unzipped = pipeline(createReadStream(bundle), gunzip, async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) {
      out += chunk.length;
      if (out > cap) refusal = refuse(bundle, '(archive)', `more than ${cap} bytes once uncompressed`);
      else if (out > limits.ratioAfterBytes && out > limits.maxRatio * gunzip.bytesWritten) {
        refusal = refuse(bundle, '(archive)', `uncompresses more than ${limits.maxRatio} times its size (a gzip bomb?)`);
      }
      if (refusal || extract.destroyed) return;
      if (!extract.write(chunk)) await drained(extract);
    }
    extract.end(null);
  });
  await unzipped.catch((err: NodeJS.ErrnoException) => {
    if (refusal) return;
    // zlib's errors (Z_DATA_ERROR, Z_BUF_ERROR for a truncated stream) mean a damaged archive.
    throw err.code?.startsWith('Z_') ? refuse(bundle, '(gzip)', `not a valid gzip stream: ${err.message}`) : infra(bundle, err);
  });
  if (refusal) throw refusal;
}

/**
 * Unpacks `file` into `intoDir` (absent or empty; created when absent) as manifest.json and blobs/<sha256>, after
 * checking every entry: a bundle with an absolute or `..` name, a link, a device, a FIFO, more entries or bytes than
 * `limits`, a blob that does not hash to its name, or a manifest naming a missing blob is refused with a HarnessError
 * (stage 'bundle', exit 2) and whatever was unpacked is removed. Nothing is ever written outside `intoDir`.
 */
export async function readBundle(file: string, intoDir: string, limits: Partial<BundleLimits> = {}): Promise<ReadBundle> {
  const all = { ...DEFAULT_LIMITS, ...limits };
  const st = await stat(file).catch((err: unknown) => {
    throw new HarnessError(`cannot read the bundle ${file}`, { stage: 'bundle', exitCode: EXIT.input, cause: err });
  });
  if (!st.isFile()) throw new HarnessError(`the bundle ${file} is not a file`, { stage: 'bundle', exitCode: EXIT.input });
  const created = await mkdir(intoDir, { recursive: true });
  if ((await readdir(intoDir)).length) {
    throw new HarnessError(`${intoDir}: the folder a bundle is unpacked into must be empty or absent`, { stage: 'bundle', exitCode: EXIT.input });
  }
  const root = await realpath(intoDir);
  const unpacker = new Unpacker(file, root, all);
  const extract = tarExtract();
  // The first failure wins; it stops the other side (tar parsing or gunzip feeding) through the destroyed parser.
  let first: HarnessError | undefined;
  const failed = (err: HarnessError) => {
    first ??= err;
    extract.destroy(err);
  };
  const feeding = feed(file, extract, all).catch(failed);
  const entries = extract[Symbol.asyncIterator]();
  for (;;) {
    let next: Awaited<ReturnType<typeof entries.next>>;
    try {
      next = await entries.next();
    } catch (err) {
      // tar-stream's own errors: a bad header checksum, an archive that ends inside an entry.
      failed(err instanceof HarnessError ? err : refuse(file, '(tar)', `not a valid tar archive: ${(err as Error).message}`));
      break;
    }
    if (next.done) break;
    try {
      await unpacker.entry(next.value.header, next.value);
    } catch (err) {
      failed(infra(file, err));
      break;
    }
  }
  await feeding;
  try {
    if (first) throw first;
    return unpacker.finish();
  } catch (err) {
    if (created) await rm(created, { recursive: true, force: true });
    else for (const name of await readdir(root)) await rm(join(root, name), { recursive: true, force: true });
    throw err;
  }
}
