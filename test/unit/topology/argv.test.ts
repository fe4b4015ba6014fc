// qemuArgv against hand-checked golden files (UPDATE_GOLDEN=1 rewrites them), and shellQuote.
import { readFile, writeFile } from 'node:fs/promises';
import test from 'ava';
import { qemuArgv } from '../../../harness/topology/argv.ts';
import { shellQuote } from '../../../harness/common/shell.ts';
import { defaultTopology } from '../../../harness/topology/default.ts';
import type { Topology } from '../../../harness/topology/types.ts';
import { twoWayTopology } from './two-way.ts';

const opts = {
  kernel: '/boot/vmlinuz',
  initrd: '/boot/initrd.gz',
  append: 'console=ttyS0 panic=-1 memhp_default_state=offline',
  sshPort: 10022,
};

const golden = (name: string, topology: Topology) =>
  test(`argv matches ${name}.argv`, async (t) => {
    const file = new URL(`../../fixtures/argv/${name}.argv`, import.meta.url);
    const argv = qemuArgv(topology, opts);
    if (process.env.UPDATE_GOLDEN === '1') {
      await writeFile(file, `${argv.join('\n')}\n`);
      t.log(`rewrote ${file.pathname}`);
      t.pass();
      return;
    }
    const expected = (await readFile(file, 'utf8')).split('\n').slice(0, -1);
    t.deepEqual(argv, expected);
  });

golden('default', defaultTopology);
golden('two-way', twoWayTopology);

test('granularity is left out when unset', (t) => {
  t.false(qemuArgv(defaultTopology, opts).some((a) => a.includes('interleave-granularity')));
});

test('each window gets its own -M with its own index', (t) => {
  const topology: Topology = {
    ...twoWayTopology,
    windows: [{ targets: ['cxl.2'], sizeMiB: 512 }, ...twoWayTopology.windows],
  };
  const argv = qemuArgv(topology, opts);
  const fmw = argv.filter((_, i) => argv[i - 1] === '-M');
  t.deepEqual(fmw, [
    'cxl-fmw.0.targets.0=cxl.2,cxl-fmw.0.size=512M',
    'cxl-fmw.1.targets.0=cxl.1,cxl-fmw.1.targets.1=cxl.2,cxl-fmw.1.size=4096M,cxl-fmw.1.interleave-granularity=4096',
  ]);
});

test('shellQuote quotes only where needed', (t) => {
  t.is(shellQuote(['-m', '1024M,maxmem=4096M', '/a/b.gz']), '-m 1024M,maxmem=4096M /a/b.gz');
  t.is(shellQuote(['-append', 'console=ttyS0 panic=-1']), "-append 'console=ttyS0 panic=-1'");
  t.is(shellQuote(["it's", '', '$HOME', '~', 'a*b']), `'it'\\''s' '' '$HOME' '~' 'a*b'`);
});
