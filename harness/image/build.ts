// Builds the guest initramfs (busybox, dropbear, cxl/daxctl, the kernel's modules, init) and caches it by content.
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { buildOnce } from '../common/fs.ts';
import { cachePath } from '../common/paths.ts';
import { projectPath } from '../common/project.ts';
import type { KernelImage } from '../kernel/types.ts';
import { CpioWriter } from './cpio.ts';
import { guestRoot, readListFile, type GuestRoot } from './guest-packages.ts';
import { collectModules, type GuestModules } from './kernel-modules.ts';

/** Bump when the layout of the image changes in a way the inputs below do not capture. */
const LAYOUT_VERSION = 1;

export interface GuestImage {
  initrd: string;
  key: string;
  packages: { name: string; version: string }[];
  modules: string[];
}

/** Parts of the unpacked packages the guest never reads: documentation, locales, charset converters. */
const SKIP = [/^usr\/share(\/|$)/, /\/gconv(\/|$)/, /^etc\/(init\.d|default|cron|logrotate)/];

/** Merged /usr: the top-level folders are links into /usr, so files a package still ships there go under usr/. */
const MERGED = /^(bin|sbin|lib|lib64)(\/|$)/;

async function addTree(cpio: CpioWriter, root: string, added: Set<string>, rel = ''): Promise<void> {
  for (const name of (await readdir(join(root, rel))).sort()) {
    const path = rel ? `${rel}/${name}` : name;
    if (SKIP.some((r) => r.test(path))) continue;
    const full = join(root, path);
    const st = await lstat(full);
    // base-files ships the merged-/usr links themselves; the image makes its own.
    if (st.isSymbolicLink() && !rel && MERGED.test(path)) continue;
    const at = MERGED.test(path) ? `usr/${path}` : path;
    if (st.isDirectory()) {
      if (!added.has(at)) cpio.dir(at, st.mode & 0o7777);
      added.add(at);
      await addTree(cpio, root, added, path);
      continue;
    }
    if (added.has(at)) continue;
    added.add(at);
    if (st.isSymbolicLink()) cpio.symlink(at, await readlink(full));
    else if (st.isFile()) cpio.file(at, await readFile(full), st.mode & 0o7777);
  }
}

/** busybox-static runs on the host too, so it lists its own applets; each becomes a link unless a package ships the command. */
async function busyboxApplets(root: string): Promise<string[]> {
  const r = await execa(join(root, 'usr/bin/busybox'), ['--list-full']);
  return r.stdout.split('\n').filter(Boolean);
}

function hashInputs(parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 20);
}

/** The harness's own guest-side scripts (state snapshot, graph listing, …), installed in /usr/libexec/cxl-harness. */
async function libexecScripts(): Promise<string[]> {
  return (await readdir(projectPath('images/guest/libexec'))).sort();
}

async function kernelIdentity(kernel: KernelImage): Promise<unknown> {
  if (kernel.packages.length) return kernel.packages;
  const st = await lstat(kernel.vmlinuz);
  return [kernel.vmlinuz, st.size, st.mtimeMs, kernel.modulesDir ?? null];
}

export async function buildGuestImage(kernel: KernelImage, log: (line: string) => void = () => {}): Promise<GuestImage> {
  const root = await guestRoot(log);
  const files = ['init', 'modules.txt', 'packages.txt', ...(await libexecScripts()).map((s) => `libexec/${s}`)];
  const contents = await Promise.all(files.map(async (f) => [f, await readFile(projectPath(`images/guest/${f}`), 'utf8')]));
  const key = hashInputs([LAYOUT_VERSION, await kernelIdentity(kernel), root.packages, contents]);
  const dir = cachePath('images', key);
  const wanted = await readListFile(projectPath('images/guest/modules.txt'));
  let modules: GuestModules | undefined;
  await buildOnce(
    dir,
    async (tmp) => {
      modules = kernel.modulesDir ? await collectModules(kernel.modulesDir, wanted) : undefined;
      await writeFile(join(tmp, 'initrd.cpio'), await assemble(root, kernel, modules));
      await writeFile(join(tmp, 'modules.json'), JSON.stringify(modules?.order ?? []));
    },
    { what: `the guest image ${key}`, log },
  );
  const order = JSON.parse(await readFile(join(dir, 'modules.json'), 'utf8')) as string[];
  return { initrd: join(dir, 'initrd.cpio'), key, packages: root.packages, modules: order };
}

async function assemble(root: GuestRoot, kernel: KernelImage, modules: GuestModules | undefined): Promise<Buffer> {
  const cpio = new CpioWriter();
  // Debian trixie is merged-/usr: the top-level folders are links into /usr.
  for (const [link, target] of [['bin', 'usr/bin'], ['sbin', 'usr/sbin'], ['lib', 'usr/lib'], ['lib64', 'usr/lib64']] as const) {
    cpio.symlink(link, target);
  }
  const shipped = new Set<string>();
  await addTree(cpio, root.dir, shipped);
  for (const applet of await busyboxApplets(root.dir)) {
    const path = applet.replace(/^(s?bin)\//, 'usr/$1/');
    if (!shipped.has(path)) cpio.symlink(path, '/usr/bin/busybox');
  }
  for (const d of ['proc', 'sys', 'dev', 'run', 'tmp', 'root']) if (!shipped.has(d)) cpio.dir(d, d === 'tmp' ? 0o1777 : 0o755);
  cpio.file('init', await readFile(projectPath('images/guest/init')), 0o755);
  for (const script of await libexecScripts()) cpio.file(`usr/libexec/cxl-harness/${script}`, await readFile(projectPath(`images/guest/libexec/${script}`)), 0o755);
  cpio.file('etc/passwd', Buffer.from('root:x:0:0:root:/root:/bin/sh\n'));
  cpio.file('etc/group', Buffer.from('root:x:0:\n'));
  cpio.file('etc/shells', Buffer.from('/bin/sh\n'));
  const base = `lib/modules/${kernel.release}`;
  cpio.file('etc/cxl-harness/modules', Buffer.from((modules?.order ?? []).map((m) => `${m}\n`).join('')));
  if (modules) {
    for (const [rel, data] of modules.files) cpio.file(`usr/${base}/${rel}`, data);
    cpio.file(`usr/${base}/modules.dep`, Buffer.from(modules.modulesDep));
  }
  return cpio.toBuffer();
}
