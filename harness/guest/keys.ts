// Per-run SSH client keys; the public half reaches the guest on the kernel command line.
import ssh2 from 'ssh2';

export interface RunKey {
  privateKey: string;
  /** The base64 blob of the ed25519 public key (no type prefix, no comment). */
  publicBlob: string;
}

export function newRunKey(): RunKey {
  // ssh2 1.17's generator emits a key its own parser rejects about once in 200 ("Malformed OpenSSH
  // private key"); draw again until the key parses, so the SSH session never fails on it.
  for (;;) {
    const k = ssh2.utils.generateKeyPairSync('ed25519');
    const parsed = ssh2.utils.parseKey(k.private);
    if (!(parsed instanceof Error)) return { privateKey: k.private, publicBlob: k.public.split(' ')[1]! };
  }
}
