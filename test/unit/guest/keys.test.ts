// Run keys must always be usable by the SSH client that loads them.
import test from 'ava';
import ssh2 from 'ssh2';
import { newRunKey } from '../../../harness/guest/keys.ts';

test('every generated key parses and its public blob is the parsed key\'s', (t) => {
  for (let i = 0; i < 600; i++) {
    const k = newRunKey();
    const parsed = ssh2.utils.parseKey(k.privateKey);
    if (parsed instanceof Error || Array.isArray(parsed)) return t.fail(`key ${i} does not parse`);
    t.is(parsed.type, 'ssh-ed25519');
    if (parsed.getPublicSSH().toString('base64') !== k.publicBlob) return t.fail(`key ${i}: public blob differs`);
  }
  t.pass();
});
