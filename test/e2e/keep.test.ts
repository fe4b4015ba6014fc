// A failing test's guest kept for a look inside: `shell` reaches it with the run's key, `stop` powers it off, and
// the run then exits with its own verdict, leaving no QEMU behind.
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { execa } from 'execa';
import { BIN, scenario } from './cli.ts';

test('--keep-failed holds the failing guest until cxl-harness stop', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cxl-harness-keep-'));
  const child = execa(BIN, ['run', scenario('stock/kmem.yaml'), '--variant', 'offline', '--append', 'module_blacklist=kmem', '--keep-failed', '--artifacts', dir], { reject: false });
  const kept = new Promise<void>((go) => child.stdout!.on('data', (d: Buffer) => /kept running/.test(d.toString()) && go()));
  await Promise.race([kept, child]);
  const [run] = await readdir(dir);
  const runDir = join(dir, run!);
  // The guest the test failed on: kmem was never loaded, the dax device is still there.
  const sh = await execa(BIN, ['shell', runDir, '--', 'lsmod | grep -c ^kmem; ls /sys/bus/dax/devices'], { reject: false });
  t.is(sh.exitCode, 0, sh.stderr);
  t.regex(sh.stdout, /^0$/m);
  t.regex(sh.stdout, /dax\d+\.0/);
  t.is((await execa(BIN, ['shell', runDir, '--', 'exit 7'], { reject: false })).exitCode, 7);
  const stop = await execa(BIN, ['stop', runDir], { reject: false });
  t.is(stop.exitCode, 0, stop.stderr);
  const r = await child;
  t.is(r.exitCode, 1, r.stdout + r.stderr);
  const port = /hostfwd=tcp:127\.0\.0\.1:(\d+)-/.exec(await readFile(join(runDir, 'boot-1', 'qemu-command.sh'), 'utf8'))![1]!;
  t.false((await execa('ps', ['-eo', 'args'])).stdout.includes(`hostfwd=tcp:127.0.0.1:${port}-`), 'QEMU still running');
  // Nothing is held any more: shell says so with exit 2.
  const after = await execa(BIN, ['shell', runDir], { reject: false });
  t.is(after.exitCode, 2);
  t.regex(after.stderr, /no guest is kept running there/);
});
