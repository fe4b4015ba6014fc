// `topology show` prints a script that is runnable as printed: run by sh, it boots the topology's guest, and the
// ssh command printed under it reaches that guest, which shows the topology's devices.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { execa } from 'execa';
import ssh2 from 'ssh2';
import { READY } from '../../harness/qemu/console.ts';
import { BIN } from './cli.ts';

function sshRun(port: number, privateKey: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = new ssh2.Client();
    c.on('ready', () =>
      c.exec(command, (err, stream) => {
        if (err) return reject(err);
        let out = '';
        stream.on('data', (d: Buffer) => (out += d.toString()));
        stream.on('close', () => {
          c.end();
          resolve(out);
        });
      }),
    );
    c.on('error', reject);
    c.connect({ host: '127.0.0.1', port, username: 'root', privateKey, readyTimeout: 15_000 });
  });
}

test('topology show switch2: the printed script boots the guest and the printed ssh command reaches it', async (t) => {
  t.timeout(180_000);
  const dir = await mkdtemp(join(tmpdir(), 'cxl-harness-show-'));
  const shown = await execa(BIN, ['topology', 'show', 'switch2', '--dir', dir], { reject: false });
  t.is(shown.exitCode, 0, shown.stderr);
  const script = shown.stdout.slice(shown.stdout.indexOf('#!/bin/sh'));
  const ssh = /^# then: ssh -i (\S+) -p (\d+) /m.exec(script);
  t.truthy(ssh, script);
  const file = join(dir, 'as-printed.sh');
  await writeFile(file, script, { mode: 0o755 });
  // The script execs QEMU: the child's pid is QEMU's, and it is ended whatever the test's outcome.
  const qemu = execa('sh', [file], { reject: false, all: true });
  t.teardown(() => void qemu.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    qemu.all!.on('data', (d: Buffer) => {
      out += d.toString();
      if (READY.test(out)) resolve();
    });
    void qemu.then((r) => reject(new Error(`QEMU ended before the guest was ready (exit ${r.exitCode}):\n${out}`)));
  });
  // The memdevs probe asynchronously after the guest's ready line: wait for both, at most 10 s.
  const count = 'ls /sys/bus/cxl/devices | grep -c "^mem[0-9]"';
  const memdevs = await sshRun(Number(ssh![2]), await readFile(ssh![1]!, 'utf8'), `i=0; while [ $(${count}) -lt 2 ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done; ${count}; cat /sys/bus/cxl/devices/mem*/serial | sort`);
  t.deepEqual(memdevs.trim().split('\n'), ['2', '0x1', '0x2']);
  qemu.kill('SIGTERM');
  await qemu;
});
