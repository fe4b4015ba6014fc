// Container specs: QEMU on the host's network, builds on none, every path at the same place, labels and user as given.
import test from 'ava';
import { containerName, containerSpec, roleOf, type ContainerRequest } from '../../../harness/runtime/docker-spec.ts';

const qemu: ContainerRequest = {
  name: 'cxl-harness-r1-1-qemu-system-x86_64',
  image: 'cxl-harness:0123456789ab',
  file: 'qemu-system-x86_64',
  args: ['-kernel', '/cache/k/vmlinuz', '-netdev', 'user,id=net0,hostfwd=tcp:127.0.0.1:10022-:22'],
  network: 'host',
  mounts: ['/cache', '/tmp/run-1/artifacts'],
  labels: { 'cxl-harness.run': 'r1', 'cxl-harness.role': 'qemu-system-x86_64' },
  user: '1000:1000',
};

test('QEMU runs with the host network, so its hostfwd on 127.0.0.1 is the host loopback', (t) => {
  const s = containerSpec(qemu);
  t.is(s.HostConfig!.NetworkMode, 'host');
  t.deepEqual(s.Cmd, ['qemu-system-x86_64', '-kernel', '/cache/k/vmlinuz', '-netdev', 'user,id=net0,hostfwd=tcp:127.0.0.1:10022-:22']);
  t.is(s.Image, 'cxl-harness:0123456789ab');
  t.is(s.name, 'cxl-harness-r1-1-qemu-system-x86_64');
});

test('a build runs with no network at all', (t) => {
  t.is(containerSpec({ ...qemu, file: 'make', args: ['-C', '/src'], network: 'none' }).HostConfig!.NetworkMode, 'none');
});

test('each mount is a read-write bind at the same absolute path', (t) => {
  t.deepEqual(containerSpec(qemu).HostConfig!.Mounts, [
    { Type: 'bind', Source: '/cache', Target: '/cache', ReadOnly: false },
    { Type: 'bind', Source: '/tmp/run-1/artifacts', Target: '/tmp/run-1/artifacts', ReadOnly: false },
  ]);
});

test('labels and user are passed as given; stdin stays closed and there is no TTY', (t) => {
  const s = containerSpec(qemu);
  t.deepEqual(s.Labels, { 'cxl-harness.run': 'r1', 'cxl-harness.role': 'qemu-system-x86_64' });
  t.is(s.User, '1000:1000');
  t.false(s.OpenStdin);
  t.false(s.AttachStdin);
  t.false(s.Tty);
  t.true(s.AttachStdout);
  t.true(s.AttachStderr);
});

test('an init process forwards signals; the harness, not the engine, removes the container', (t) => {
  const h = containerSpec(qemu).HostConfig!;
  t.true(h.Init);
  t.false(h.AutoRemove);
});

test('environment becomes NAME=value entries, working folder is set only when asked', (t) => {
  const s = containerSpec({ ...qemu, env: { LC_ALL: 'C', CC: 'ccache gcc' }, cwd: '/cache/tree' });
  t.deepEqual(s.Env, ['LC_ALL=C', 'CC=ccache gcc']);
  t.is(s.WorkingDir, '/cache/tree');
  t.false('WorkingDir' in containerSpec(qemu));
  t.deepEqual(containerSpec(qemu).Env, []);
});

test('container names carry the run, a sequence number and what runs', (t) => {
  t.is(containerName('lx2-abc', 3, '/usr/bin/make'), 'cxl-harness-lx2-abc-3-make');
  t.is(roleOf('qemu-system-x86_64'), 'qemu-system-x86_64');
  t.is(roleOf('weird name!'), 'weird_name_');
});
