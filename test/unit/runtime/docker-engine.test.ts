// What the harness says when no Docker engine answers: where it looked, how to install (when missing) and how to start one.
import test from 'ava';
import { IMPORT_CHANGES, debootstrapArgv } from '../../../harness/runtime/docker-base.ts';
import { engineAddress, noEngineDetails } from '../../../harness/runtime/docker-engine.ts';
import { isRuntimeName } from '../../../harness/runtime/select.ts';

test('the default address is the local socket; DOCKER_HOST wins', (t) => {
  t.is(engineAddress({}), 'unix:///var/run/docker.sock');
  t.is(engineAddress({ DOCKER_HOST: 'tcp://10.0.0.2:2375' }), 'tcp://10.0.0.2:2375');
});

test('not root and docker.io missing: the exact install and start commands', (t) => {
  const d = noEngineDetails('unix:///var/run/docker.sock', ['docker.io'], false);
  t.true(d.includes('  apt-get install -y -q --no-install-recommends docker.io'));
  t.true(d.some((l) => l.includes('dockerd --iptables=false --ip6tables=false')));
  t.true(d.some((l) => l.includes('systemctl start docker')));
});

test('installed already: only how to start it', (t) => {
  const d = noEngineDetails('unix:///var/run/docker.sock', [], false);
  t.false(d.some((l) => l.includes('apt-get')));
  t.true(d.some((l) => l.includes('dockerd --iptables=false')));
});

test('the base is a minbase bookworm from the Debian mirror, imported with a PATH and a shell', (t) => {
  t.deepEqual(debootstrapArgv('/x'), ['debootstrap', '--variant=minbase', 'bookworm', '/x', 'http://deb.debian.org/debian']);
  t.true(IMPORT_CHANGES.some((c) => c.startsWith('ENV PATH=')));
  t.true(IMPORT_CHANGES.includes('CMD ["bash"]'));
});

test('runtime names', (t) => {
  t.true(isRuntimeName('host'));
  t.true(isRuntimeName('docker'));
  t.false(isRuntimeName('podman'));
});
