// Ctrl-C in the middle of a run stops QEMU (no process left), exits 130 and still writes the artifacts.
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { execa } from 'execa';
import { BIN, scenario } from './cli.ts';

test('SIGINT during the steps stops the guest and keeps the artifacts', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cxl-harness-int-'));
  const child = execa(BIN, ['run', scenario('stock/kmem.yaml'), '--variant', 'offline', '--artifacts', dir], { reject: false });
  child.stdout!.on('data', (d: Buffer) => {
    if (/ok\s+3 /.test(d.toString())) child.kill('SIGINT');
  });
  const r = await child;
  t.is(r.exitCode, 130, r.stdout);
  t.regex(r.stderr, /interrupted/);
  const [run] = await readdir(dir);
  const port = /hostfwd=tcp:127\.0\.0\.1:(\d+)-/.exec(await readFile(join(dir, run!, 'boot-1', 'qemu-command.sh'), 'utf8'))![1]!;
  const ps = await execa('ps', ['-eo', 'args']);
  t.false(ps.stdout.includes(`hostfwd=tcp:127.0.0.1:${port}-`), 'QEMU still running');
  const steps = JSON.parse(await readFile(join(dir, run!, 'debian_7.2', 'default', 'stock-kmem-offline', 'steps.json'), 'utf8')) as { verdict: string; steps: unknown[] };
  t.is(steps.verdict, 'error');
  t.true((await readFile(join(dir, run!, 'boot-1', 'console.log'), 'utf8')).includes('cxl-harness: ready'));
  const report = JSON.parse(await readFile(join(dir, run!, 'report.json'), 'utf8')) as { exitCode: number; error: string };
  t.is(report.exitCode, 130);
  t.regex(report.error, /interrupted/);
});
