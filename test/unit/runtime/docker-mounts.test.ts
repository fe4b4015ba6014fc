// Mount planning: the paths argv names reach the container at the same place; system folders and the kernel command line never do.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { mountFor, mountRoots, mountsFor, pathKind, pathsInArgv } from '../../../harness/runtime/docker-mounts.ts';

test('absolute paths are found alone and as option values', (t) => {
  t.deepEqual(
    pathsInArgv(['-kernel', '/c/k/vmlinuz', '-object', 'memory-backend-file,id=m0,mem-path=/c/mem/m0,size=256M', 'O=/c/out', '-C', '/c/src', 'bzImage']),
    ['/c/k/vmlinuz', '/c/mem/m0', '/c/out', '/c/src'],
  );
});

test('the kernel command line after -append is text, not paths', (t) => {
  t.deepEqual(pathsInArgv(['-append', 'root=/dev/vda console=ttyS0 cxl_harness.key=/AAAA+b', '-initrd', '/c/initrd']), ['/c/initrd']);
});

test('relative paths, repeated paths and dot segments', (t) => {
  t.deepEqual(pathsInArgv(['bzImage', 'KCONFIG_CONFIG=.config', '/c/a/../b', '/c/b']), ['/c/b']);
});

test('a folder is mounted itself, a file through its folder', (t) => {
  t.is(mountFor({ path: '/srv/cache/kernels', kind: 'dir' }), '/srv/cache/kernels');
  t.is(mountFor({ path: '/srv/cache/kernels/vmlinuz', kind: 'file' }), '/srv/cache/kernels');
});

test('a file directly in a top-level folder such as /tmp is mounted alone', (t) => {
  t.is(mountFor({ path: '/tmp/series.patch', kind: 'file' }), '/tmp/series.patch');
});

test('a path that does not exist yet is reached through the nearest folder that does', (t) => {
  t.is(mountFor({ path: '/srv/cache/out/new/file', kind: 'missing', existing: '/srv/cache/out' }), '/srv/cache/out');
  t.is(mountFor({ path: '/AAAA+b/x', kind: 'missing', existing: '/' }), undefined);
});

test("the image's system folders are never shadowed by the host's", (t) => {
  for (const p of ['/usr/share/qemu/bios.bin', '/etc/passwd', '/dev/kvm', '/lib/modules', '/proc/self']) {
    t.is(mountFor({ path: p, kind: 'file' }), undefined, p);
  }
  t.is(mountFor({ path: '/usr', kind: 'dir' }), undefined);
  t.is(mountFor({ path: '/', kind: 'dir' }), undefined);
  t.is(mountFor({ path: '/home', kind: 'dir' }), undefined);
});

test('folders inside a mounted folder are dropped, duplicates too', (t) => {
  t.deepEqual(mountRoots(['/c/a/b', '/c', '/d/x', undefined, '/c/', '/d/xy']), ['/c', '/d/x', '/d/xy']);
});

test('pathKind and mountsFor on a real folder: a file, a missing output and the always-mounted folder', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cxl-mounts-'));
  await writeFile(join(dir, 'vmlinuz'), 'x');
  t.deepEqual(await pathKind(join(dir, 'vmlinuz')), { path: join(dir, 'vmlinuz'), kind: 'file' });
  t.deepEqual(await pathKind(join(dir, 'no', 'such')), { path: join(dir, 'no', 'such'), kind: 'missing', existing: dir });
  t.deepEqual(await mountsFor([dir], ['-kernel', join(dir, 'vmlinuz'), '-L', '/usr/share/qemu'], join(dir, 'no')), [dir]);
});
