// The snapshot cache without QEMU: atomic entries, unusable markers, eviction, the key, bigints in meta.json.
import { mkdir, mkdtemp, readdir, rm, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import type { GuestImage } from '../../../harness/image/build.ts';
import type { KernelImage } from '../../../harness/kernel/types.ts';
import { SnapshotCache } from '../../../harness/snapshot/cache.ts';
import { snapshotKey, SNAPSHOT_FORMAT } from '../../../harness/snapshot/key.ts';
import { decodeMeta, encodeMeta, FILES, type SnapshotMeta } from '../../../harness/snapshot/meta.ts';
import { diskUse, formatBytes } from '../../../harness/snapshot/sparse.ts';
import { loadTopologies } from '../../../harness/topology/load.ts';

const meta = (): SnapshotMeta => ({
  format: SNAPSHOT_FORMAT,
  createdAt: new Date().toISOString(),
  qemu: '10.0.2',
  cmdline: 'console=ttyS0',
  append: 'console=ttyS0 cxl_harness.key=K',
  publicBlob: 'K',
  hostKey: 'ssh-ed25519 AAAA',
  fingerprint: { pci: {}, devices: [], state: '', graph: '', uptime: 1 },
  sessionPid: 321,
  backing: [],
  stateBytes: 0,
  saveMs: 1,
  migrateMs: 1,
});

/** A save that writes `bytes` of real data as the stream and a sparse 64 MiB backing file. */
const fakeSave = (bytes: number) => async (tmp: string) => {
  await writeFile(join(tmp, FILES.state), Buffer.alloc(bytes, 1));
  await mkdir(join(tmp, FILES.backing));
  await writeFile(join(tmp, FILES.backing, 'dev.vmem.raw'), '');
  await truncate(join(tmp, FILES.backing, 'dev.vmem.raw'), 64 * 1024 * 1024);
  await writeFile(join(tmp, FILES.key), 'PRIVATE', { mode: 0o600 });
  await writeFile(join(tmp, FILES.meta), JSON.stringify(meta()));
  return meta();
};

const key = (n: number) => n.toString(16).padStart(24, '0');

async function cache(o: { keep?: number; maxBytes?: number } = {}) {
  const root = await mkdtemp(join(tmpdir(), 'snapcache-'));
  return { root, c: new SnapshotCache({ root, ...o }), done: () => rm(root, { recursive: true, force: true }) };
}

test('store publishes a whole entry once; lookup finds it and records the use', async (t) => {
  const { c, done } = await cache();
  t.teardown(done);
  t.false(await c.has(key(1)));
  t.truthy(await c.store(key(1), fakeSave(4096)));
  t.is(await c.store(key(1), () => t.fail() as never), undefined, 'a second store of the same key saves nothing');
  const hit = await c.lookup(key(1));
  t.is(hit?.dir, c.dir(key(1)));
  t.is(((await stat(join(c.dir(key(1)), FILES.key))).mode & 0o777).toString(8), '600');
  const [entry] = await c.list();
  t.is(entry!.size.apparent, 4096 + 64 * 1024 * 1024 + 7 + JSON.stringify(meta()).length);
  t.true(entry!.size.allocated < 64 * 1024, `the hole takes no space: ${formatBytes(entry!.size.allocated)}`);
});

test('a save that fails leaves nothing behind', async (t) => {
  const { c, root, done } = await cache();
  t.teardown(done);
  await t.throwsAsync(
    c.store(key(2), async (tmp) => {
      await writeFile(join(tmp, FILES.state), 'half');
      throw new Error('QEMU died');
    }),
    { message: 'QEMU died' },
  );
  t.false(await c.has(key(2)));
  t.deepEqual((await readdir(root)).filter((n) => !n.endsWith('.lock')), []);
});

test('an unusable entry is neither restored nor saved again, and its big files are gone', async (t) => {
  const { c, done } = await cache();
  t.teardown(done);
  await c.store(key(3), fakeSave(1 << 20));
  await c.markUnusable(key(3), ['the restored guest differs from the snapshot', 'pci 0000:0d:00.0: vanished']);
  t.is(await c.lookup(key(3)), undefined);
  t.true(await c.has(key(3)));
  const [entry] = await c.list();
  t.deepEqual(entry!.unusable, ['the restored guest differs from the snapshot', 'pci 0000:0d:00.0: vanished']);
  t.true(entry!.size.apparent < 4096);
});

test('eviction keeps the newest N by last use, then the size cap, never the entry just stored', async (t) => {
  const cap = 7 << 19; // 3.5 MiB: two 1 MiB entries and a 2 MiB one do not fit, one of each does
  const { c, done } = await cache({ keep: 2, maxBytes: cap });
  t.teardown(done);
  const lines: string[] = [];
  const logged = new SnapshotCache({ root: c.root, keep: 2, maxBytes: cap, log: (l) => lines.push(l) });
  for (const n of [1, 2, 3]) {
    await c.store(key(n), fakeSave(1 << 20));
    const past = new Date(Date.now() - (10 - n) * 60_000);
    await utimes(join(c.dir(key(n)), FILES.lastUsed), past, past);
  }
  // Storing evicts beyond keep: of 1, 2, 3 the least recently used (1) went.
  t.deepEqual((await c.list()).map((e) => e.key), [key(3), key(2)]);
  await c.lookup(key(2)); // 2 is now the most recently used
  t.deepEqual((await c.list()).map((e) => e.key), [key(2), key(3)]);
  // A 2 MiB entry: keep=2 drops 3 (least recent); 2 and the new 4 fit under the cap.
  await logged.store(key(4), fakeSave(2 << 20));
  t.deepEqual((await c.list()).map((e) => e.key), [key(4), key(2)]);
  t.true(lines.some((l) => /^snapshot 0+4 saved: \d+(\.\d)? MiB on disk/.test(l)), lines.join('\n'));
  t.true(lines.includes(`snapshot ${key(3)} evicted`));
  // A 3 MiB entry: over the cap with anything else, so only it stays (it is protected even alone over the cap).
  await c.store(key(5), fakeSave(3 << 20));
  t.deepEqual((await c.list()).map((e) => e.key), [key(5)]);
  t.deepEqual(await c.evict(key(5)), []);
});

test('the key follows kernel, image, machine, command line and QEMU; it ignores nothing else', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'snapkey-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'vmlinuz'), 'kernel bytes');
  await writeFile(join(dir, 'initrd.cpio'), 'initrd bytes');
  const kernel: KernelImage = { spec: 'debian:7.2', release: '7.2.13+deb14-amd64', vmlinuz: join(dir, 'vmlinuz'), packages: [] };
  const image: GuestImage = { initrd: join(dir, 'initrd.cpio'), key: 'img1', packages: [], modules: [] };
  const [def] = await loadTopologies('default');
  const [pmem] = await loadTopologies('pmem');
  const base = { kernel, image, topology: def!.topology, cmdline: 'console=ttyS0 memhp_default_state=offline', qemu: 'QEMU emulator version 10.0.2' };
  const k = await snapshotKey(base);
  t.regex(k, /^[0-9a-f]{24}$/);
  t.is(await snapshotKey({ ...base }), k);
  t.not(await snapshotKey({ ...base, cmdline: 'console=ttyS0 memhp_default_state=online_movable' }), k);
  t.not(await snapshotKey({ ...base, topology: pmem!.topology }), k);
  t.not(await snapshotKey({ ...base, qemu: 'QEMU emulator version 10.1.0' }), k);
  t.not(await snapshotKey({ ...base, image: { ...image, key: 'img2' } }), k);
  await writeFile(join(dir, 'vmlinuz'), 'other kernel bytes');
  await utimes(join(dir, 'vmlinuz'), new Date(), new Date(Date.now() + 5000));
  t.not(await snapshotKey(base), k, 'a rebuilt bzImage at the same path is another kernel');
});

test('diskUse counts allocated blocks, not the sparse files\' apparent size', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'diskuse-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'hole.raw'), '');
  await truncate(join(dir, 'hole.raw'), 256 * 1024 * 1024);
  const u = await diskUse(dir);
  t.is(u.apparent, 256 * 1024 * 1024);
  t.true(u.allocated < 1 << 20);
  t.is(formatBytes(u.apparent), '256 MiB');
});

test('meta.json keeps bigints (a stored start state has them) and reads back equal', (t) => {
  const m = { ...meta(), extra: { blockSizeBytes: 0x8000000n, windows: { 'decoder0.0': 0x1_0000_0000n }, list: [1n, 'x'], plain: { $bigint: 1, other: 2 } } };
  const back = decodeMeta(encodeMeta(m));
  t.deepEqual(back, m);
});
