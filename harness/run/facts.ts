// Boot facts and kernel capabilities, read once per boot: the model takes them as given, scenarios are gated on them.
import type { Snapshot } from '../model/render.ts';
import type { BootFacts } from '../model/state.ts';

export const FACTS_COMMAND = [
  'uname -r',
  'cat /proc/cmdline',
  'cat /sys/devices/system/memory/block_size_bytes',
  'echo $(ls /sys/bus/cxl/drivers)',
  'echo $(ls /sys/bus/dax/drivers 2>/dev/null)',
  "grep -c '^flags.* hypervisor' /proc/cpuinfo",
  'cat /sys/devices/system/memory/auto_online_blocks',
].join('; ');

export interface Capabilities extends BootFacts {
  /** Whether the guest CPU shows the hypervisor bit: stock kernels then refuse region commit (ENXIO + WARNING). */
  hypervisorVisible: boolean;
}

/** `text` is FACTS_COMMAND's output; window starts come from the root decoders in the snapshot. */
export function parseFacts(text: string, snapshot: Snapshot): Capabilities {
  const [release = '', cmdline = '', bs = '0', cxl = '', dax = '', hv = '0', online = 'offline'] = text.split('\n');
  const windowStarts: Record<string, bigint> = {};
  for (const [k, v] of Object.entries(snapshot)) {
    const m = /^cxl\/(decoder0\.\d+)\/start$/.exec(k);
    if (m) windowStarts[m[1]!] = BigInt(v);
  }
  const words = (s: string) => s.split(/\s+/).filter(Boolean);
  return {
    release,
    cmdline,
    blockSizeBytes: BigInt(`0x${bs.trim()}`),
    windowStarts,
    cxlDrivers: words(cxl),
    daxDrivers: words(dax),
    hypervisorVisible: Number(hv) > 0,
    builtInOnlineType: online.trim(),
  };
}

/** The requirements a kernel does not meet: names of cxl/dax drivers it lacks. */
export function unmet(requires: string[], caps: Capabilities): string[] {
  return requires.filter((r) => !caps.cxlDrivers.includes(r) && !caps.daxDrivers.includes(r));
}
