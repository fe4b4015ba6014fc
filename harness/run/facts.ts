// Boot facts the model takes as given: kernel release, command line, block size and where firmware put each window.
import type { Snapshot } from '../model/render.ts';
import type { BootFacts } from '../model/state.ts';

/** `text` is the output of `uname -r; cat /proc/cmdline; cat .../block_size_bytes` (block size in hex without 0x). */
export function parseFacts(text: string, snapshot: Snapshot): BootFacts {
  const [release = '', cmdline = '', bs = '0'] = text.split('\n');
  const windowStarts: Record<string, bigint> = {};
  for (const [k, v] of Object.entries(snapshot)) {
    const m = /^cxl\/(decoder0\.\d+)\/start$/.exec(k);
    if (m) windowStarts[m[1]!] = BigInt(v);
  }
  return { release, cmdline, blockSizeBytes: BigInt(`0x${bs.trim()}`), windowStarts };
}

export const FACTS_COMMAND = 'uname -r; cat /proc/cmdline; cat /sys/devices/system/memory/block_size_bytes';
