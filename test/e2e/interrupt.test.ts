// Ctrl-C in the middle of a run stops QEMU (no process left), exits 2 and still writes the artifacts.
import { readFile, readdir } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { execa } from 'execa';
import { scenario } from './cli.ts';

test('SIGINT during the steps stops the guest and keeps the artifacts', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cxl-harness-int-'));
  const child = execa(new URL('../../harness/main.js', import.meta.url).pathname, ['run', scenario('stock/kmem.yaml'), '--variant', 'offline', '--artifacts', dir], { reject: false });
  child.stdout!.on('data', (d: Buffer) => {
    if (/ok\s+3 /.test(d.toString())) child.kill('SIGINT');
  });
  const r = await child;
  t.is(r.exitCode, 2, r.stdout);
  t.regex(r.stderr, /interrupted/);
  const [run] = await readdir(dir);
  const variantDir = join(dir, run!, 'stock-kmem-offline');
  const port = /hostfwd=tcp:127\.0\.0\.1:(\d+)-/.exec(await readFile(join(dir, run!, 'boot-1', 'qemu-command.sh'), 'utf8'))![1]!;
  const ps = await execa('ps', ['-eo', 'args']);
  t.false(ps.stdout.includes(`hostfwd=tcp:127.0.0.1:${port}-`), 'QEMU still running');
  const steps = JSON.parse(await readFile(join(variantDir, 'steps.json'), 'utf8')) as { verdict: string; steps: unknown[] };
  t.is(steps.verdict, 'error');
  t.true((await readFile(join(dir, run!, 'boot-1', 'console.log'), 'utf8')).includes('cxl-harness: ready'));
  t.true((await readdir(join(dir, run!))).includes('report.json'));
});
