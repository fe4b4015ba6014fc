// Unpacks .deb files with dpkg-deb (always present on Debian hosts).
import { execa } from 'execa';
import { HarnessError, type Stage } from '../common/errors.ts';

export async function extractDebs(debs: string[], into: string, stage: Stage): Promise<void> {
  for (const deb of debs) {
    await execa('dpkg-deb', ['-x', deb, into]).catch((err: unknown) => {
      throw new HarnessError(`dpkg-deb could not unpack ${deb}`, { stage, cause: err });
    });
  }
}
