// What a snapshot folder holds besides the migration stream and the backing files: meta.json, read and checked.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HarnessError } from '../common/errors.ts';
import type { GuestFingerprint } from './guest.ts';
import { SNAPSHOT_FORMAT } from './key.ts';

/** Files of a snapshot folder. */
export const FILES = {
  meta: 'meta.json',
  state: 'state.mig',
  backing: 'backing',
  /** The private half of the per-boot SSH key the guest's authorized_keys holds (mode 0600). */
  key: 'id_ed25519',
  /** The serial console up to the save, for the record. */
  console: 'console.log',
  /** Present when a restore from this snapshot was found unfaithful: the reasons; the big files are gone. */
  unusable: 'unusable.json',
  lastUsed: 'last-used',
} as const;

export interface SnapshotMeta {
  format: number;
  createdAt: string;
  /** QEMU that saved it, from the QMP greeting ("10.0.2 (Debian …)"). */
  qemu: string;
  /** Kernel parameters without the per-boot key, and the exact -append the saved VM ran (with it). */
  cmdline: string;
  append: string;
  /** The public half of the per-boot key (base64 blob) and the guest's dropbear host key ("ssh-ed25519 AAAA…"). */
  publicBlob: string;
  hostKey: string;
  /** The guest as the harness saw it just before the save; a restore must show the same. */
  fingerprint: GuestFingerprint;
  /** The dropbear process serving the harness's session at the save: a restore ends it. */
  sessionPid: number;
  /** Backing file names with their sizes (bytes as written, bytes allocated). */
  backing: { name: string; apparent: number; allocated: number }[];
  stateBytes: number;
  /** Stop to resume of the saved VM, and the migration alone. */
  saveMs: number;
  migrateMs: number;
  /** Whatever the caller stored with the snapshot (e.g. the boot step's start state; bigints survive, see encodeMeta). */
  extra?: unknown;
}

/** JSON with bigints kept (the model's state is full of them): a bigint is written as {"$bigint": "<decimal>"}. */
export function encodeMeta(meta: SnapshotMeta): string {
  return JSON.stringify(meta, (_k, v: unknown) => (typeof v === 'bigint' ? { $bigint: v.toString() } : v), 2);
}

export function decodeMeta(text: string): SnapshotMeta {
  return JSON.parse(text, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      const big = (v as { $bigint?: unknown }).$bigint;
      if (keys.length === 1 && typeof big === 'string') return BigInt(big);
    }
    return v;
  }) as SnapshotMeta;
}

export async function readMeta(dir: string): Promise<SnapshotMeta> {
  const text = await readFile(join(dir, FILES.meta), 'utf8').catch((err: unknown) => {
    throw new HarnessError(`snapshot ${dir} has no readable ${FILES.meta}`, { stage: 'boot', cause: err });
  });
  const meta = decodeMeta(text);
  if (meta.format !== SNAPSHOT_FORMAT) throw new HarnessError(`snapshot ${dir} has format ${meta.format}, this harness reads ${SNAPSHOT_FORMAT}`, { stage: 'boot' });
  return meta;
}
