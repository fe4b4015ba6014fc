// The snapshot cache under <cache>/snapshots: atomic entries, unusable markers, eviction by age and total size.
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildOnce, exists, writeFileAtomic } from '../common/fs.ts';
import { withLock } from '../common/lock.ts';
import { cachePath } from '../common/paths.ts';
import { FILES, readMeta, type SnapshotMeta } from './meta.ts';
import { diskUse, formatBytes, type DiskUse } from './sparse.ts';

export interface SnapshotCacheOptions {
  /** Default <cache>/snapshots. */
  root?: string;
  /** Usable snapshots kept, newest use first; default 6 (about 1 GiB with the default topology). */
  keep?: number;
  /** Bytes allocated by all usable snapshots together; default 4 GiB. */
  maxBytes?: number;
  log?: (line: string) => void;
}

export interface CachedSnapshot {
  key: string;
  dir: string;
  meta: SnapshotMeta;
}

export interface CacheEntry extends CachedSnapshot {
  size: DiskUse;
  lastUsed: number;
  /** Why a restore from it was refused, when it was. */
  unusable?: string[];
}

const KEY = /^[0-9a-f]{24}$/;

export class SnapshotCache {
  readonly root: string;
  readonly keep: number;
  readonly maxBytes: number;
  private readonly log: (line: string) => void;

  constructor(o: SnapshotCacheOptions = {}) {
    this.root = o.root ?? cachePath('snapshots');
    this.keep = o.keep ?? 6;
    this.maxBytes = o.maxBytes ?? 4 * 1024 ** 3;
    this.log = o.log ?? (() => {});
  }

  dir(key: string): string {
    return join(this.root, key);
  }

  /** Runs `fn` holding the entry's lock (the one buildOnce takes while the entry is written). */
  async withEntry<T>(key: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await mkdir(this.root, { recursive: true });
    return withLock(`${this.dir(key)}.lock`, `snapshot ${key}`, this.log, fn, { stage: 'boot', ...(signal ? { signal } : {}) });
  }

  /** Whether any entry exists for `key`, usable or marked unusable: then nothing is to be saved for it. */
  has(key: string): Promise<boolean> {
    return exists(this.dir(key));
  }

  /** The usable snapshot for `key`, or undefined (missing, marked unusable, or unreadable); the caller holds the entry lock. */
  async lookup(key: string): Promise<CachedSnapshot | undefined> {
    const dir = this.dir(key);
    if (!(await exists(dir)) || (await exists(join(dir, FILES.unusable)))) return undefined;
    const meta = await readMeta(dir).catch(() => undefined);
    if (!meta) return undefined;
    const now = new Date();
    await writeFile(join(dir, FILES.lastUsed), '').then(() => utimes(join(dir, FILES.lastUsed), now, now)).catch(() => undefined);
    return { key, dir, meta };
  }

  /**
   * Writes the entry through `save(tmp)` unless it exists; the folder appears complete or not at all. Returns the
   * meta when this call saved it. Evicts afterwards, never the entry just written.
   */
  async store(key: string, save: (tmp: string) => Promise<SnapshotMeta>, signal?: AbortSignal): Promise<SnapshotMeta | undefined> {
    let meta: SnapshotMeta | undefined;
    await buildOnce(this.dir(key), async (tmp) => {
      meta = await save(tmp);
      await writeFile(join(tmp, FILES.lastUsed), '');
    }, { what: `snapshot ${key}`, log: this.log });
    if (meta) {
      const size = await diskUse(this.dir(key));
      this.log(`snapshot ${key} saved: ${formatBytes(size.allocated)} on disk (${formatBytes(size.apparent)} apparent), save ${meta.saveMs} ms`);
      await this.evict(key, signal);
    }
    return meta;
  }

  /** Keeps the entry as a marker, so the key is neither restored nor saved again, and frees its big files. */
  async markUnusable(key: string, reasons: string[]): Promise<void> {
    const dir = this.dir(key);
    if (!(await exists(dir))) return;
    await this.withEntry(key, async () => {
      await writeFileAtomic(join(dir, FILES.unusable), JSON.stringify({ at: new Date().toISOString(), reasons }, null, 2));
      await rm(join(dir, FILES.state), { force: true });
      await rm(join(dir, FILES.backing), { recursive: true, force: true });
    });
    this.log(`snapshot ${key} marked unusable: ${reasons[0] ?? 'no reason given'}`);
  }

  /** Every complete entry with its size and last use, newest first. */
  async list(): Promise<CacheEntry[]> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    const entries: CacheEntry[] = [];
    for (const key of names.filter((n) => KEY.test(n))) {
      const dir = this.dir(key);
      const meta = await readMeta(dir).catch(() => undefined);
      if (!meta) continue;
      const used = await stat(join(dir, FILES.lastUsed)).catch(() => undefined);
      const unusable = await readFile(join(dir, FILES.unusable), 'utf8').then((t) => (JSON.parse(t) as { reasons: string[] }).reasons, () => undefined);
      entries.push({ key, dir, meta, size: await diskUse(dir), lastUsed: used?.mtimeMs ?? Date.parse(meta.createdAt), ...(unusable ? { unusable } : {}) });
    }
    return entries.sort((a, b) => b.lastUsed - a.lastUsed);
  }

  /**
   * Removes usable entries beyond the newest `keep`, then the least recently used while all together take more than
   * `maxBytes`; markers of unusable snapshots beyond the newest 64. `protect` is never removed. Returns the keys removed.
   */
  async evict(protect?: string, signal?: AbortSignal): Promise<string[]> {
    const all = await this.list();
    const usable = all.filter((e) => !e.unusable);
    const doomed = new Set<string>();
    let total = usable.reduce((n, e) => n + e.size.allocated, 0);
    usable.forEach((e, i) => {
      if (e.key !== protect && i >= this.keep) {
        doomed.add(e.key);
        total -= e.size.allocated;
      }
    });
    for (const e of [...usable].reverse()) {
      if (total <= this.maxBytes) break;
      if (e.key === protect || doomed.has(e.key)) continue;
      doomed.add(e.key);
      total -= e.size.allocated;
    }
    all.filter((e) => e.unusable).slice(64).forEach((e) => doomed.add(e.key));
    for (const key of doomed) {
      await this.withEntry(key, async () => {
        // Renamed first, so a reader sees the whole entry or none.
        const trash = `${this.dir(key)}.evict-${process.pid}`;
        await rename(this.dir(key), trash).catch(() => undefined);
        await rm(trash, { recursive: true, force: true });
      }, signal);
      this.log(`snapshot ${key} evicted`);
    }
    return [...doomed];
  }
}
