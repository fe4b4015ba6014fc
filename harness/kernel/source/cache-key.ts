// Content keys of source builds: what a build tree, a configuration and a finished kernel are identified by.
import { createHash } from 'node:crypto';
import type { Fragment } from './config.ts';
import type { Patch } from './series.ts';

/** Bump when the build's layout or procedure changes in a way the inputs below do not capture. */
const LAYOUT_VERSION = 1;

function sha(parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify([LAYOUT_VERSION, ...parts])).digest('hex');
}

/** The series as git receives it, in order; file names and numbering alone do not change the kernel. */
export function seriesHash(patches: Patch[]): string {
  return sha(patches.map((p) => [p.format, p.text]));
}

/** The requested configuration: the fragments' texts, in order (file names do not matter). */
export function fragmentsHash(fragments: Fragment[]): string {
  return sha(fragments.map((f) => f.text));
}

/** One build tree per (base, requested config): a series change rebuilds incrementally in it. */
export function treeKey(baseIdentity: string, fragments: Fragment[]): string {
  return sha(['tree', baseIdentity, fragmentsHash(fragments)]).slice(0, 20);
}

/** The finished kernel: base identity + series content + the final .config. */
export function buildKey(baseIdentity: string, patches: Patch[], finalConfig: string): string {
  return sha(['build', baseIdentity, seriesHash(patches), finalConfig]).slice(0, 32);
}

/** The run's inputs before any configuring, for the fast path to a finished build. */
export function inputKey(baseIdentity: string, patches: Patch[], fragments: Fragment[]): string {
  return sha(['inputs', baseIdentity, seriesHash(patches), fragmentsHash(fragments)]).slice(0, 32);
}

/** A patch that touches Kconfig can change what the fragments resolve to. */
function touchesKconfig(p: Patch): boolean {
  return p.hunks.some((h) => /(^|\/)Kconfig[^/]*$|^scripts\/kconfig\//.test(h.file));
}

/** What a tree's .config depends on besides its base: fragments, Kconfig-changing patches, and the toolchain's versions. */
export function configInputsKey(fragments: Fragment[], patches: Patch[], toolchain: string): string {
  return sha(['config', fragmentsHash(fragments), patches.filter(touchesKconfig).map((p) => p.text), toolchain]);
}

export function configHash(finalConfig: string): string {
  return createHash('sha256').update(finalConfig).digest('hex').slice(0, 16);
}
