// The guest's userspace: the packages in images/guest/packages.txt and their Depends closure, from one Debian suite.
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { buildOnce } from '../common/fs.ts';
import { cachePath } from '../common/paths.ts';
import { extractDebs } from '../debian/extract.ts';
import { PrivateApt } from '../debian/private-apt.ts';
import { projectPath } from '../common/project.ts';

/** One suite for the whole guest userspace, libc included: trixie carries cxl/daxctl (ndctl 81). */
export const GUEST_SUITE = 'trixie';

export interface GuestRoot {
  dir: string;
  packages: { name: string; version: string }[];
}

export async function readListFile(path: string): Promise<string[]> {
  return (await readFile(path, 'utf8'))
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
}

/** Downloads the closure and unpacks it into a folder keyed by the exact package versions. */
export async function guestRoot(log: (line: string) => void = () => {}): Promise<GuestRoot> {
  const apt = new PrivateApt('guest', [GUEST_SUITE], 'image', log);
  await apt.ensureLists();
  const wanted = await readListFile(projectPath('images/guest/packages.txt'));
  const names = await apt.memo(`closure ${wanted.join(' ')}`, () => apt.closure(wanted));
  const debs = await apt.download(names);
  const packages = debs.map((d) => ({ name: d.name, version: d.version }));
  const key = createHash('sha256').update(JSON.stringify(packages)).digest('hex').slice(0, 16);
  const dir = cachePath('guest-root', key);
  await buildOnce(dir, (tmp) => extractDebs(debs.map((d) => d.path), tmp, 'image'), { what: `the guest root ${key}`, log });
  return { dir, packages };
}
