// Per-run SSH client keys; the public half reaches the guest on the kernel command line.
import ssh2 from 'ssh2';

export interface RunKey {
  privateKey: string;
  /** The base64 blob of the ed25519 public key (no type prefix, no comment). */
  publicBlob: string;
}

export function newRunKey(): RunKey {
  const k = ssh2.utils.generateKeyPairSync('ed25519');
  return { privateKey: k.private, publicBlob: k.public.split(' ')[1]! };
}
