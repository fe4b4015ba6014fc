// Child process for the lock tests: races buildOnce on a shared folder, or takes a lock and holds it until killed.
import { appendFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildOnce } from '../../../harness/common/fs.ts';
import { withLock } from '../../../harness/common/lock.ts';

const [mode, target, shared] = process.argv.slice(2) as [string, string, string];
const log = (line: string) => console.log(line);

/** Both racers start buildOnce together: each announces itself, then waits until the other has too. */
async function barrier(): Promise<void> {
  await writeFile(join(shared, `ready-${process.pid}`), '');
  while ((await readdir(shared)).filter((f) => f.startsWith('ready-')).length < 2) await sleep(20);
}

if (mode === 'build-once') {
  await barrier();
  const built = await buildOnce(
    target,
    async (tmp) => {
      await appendFile(join(shared, 'builds'), `${process.pid}\n`);
      // Long enough that the other racer waits past the one-second mark and says so.
      await sleep(2500);
      await writeFile(join(tmp, 'content'), 'built once\n');
    },
    { what: 'the test entry', log },
  );
  console.log(JSON.stringify({ built }));
} else if (mode === 'hold') {
  await withLock(target, 'the held lock', log, async () => {
    console.log('locked');
    await sleep(600_000);
  }, { staleMs: 2000 });
}
