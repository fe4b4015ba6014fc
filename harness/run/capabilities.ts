// Boot facts and kernel capabilities, read once per boot: the model takes them as given, scenarios are gated on them.
import { definitions, seriesOnKernel } from '../model/series/registry.ts';
import type { BootFacts } from '../model/state.ts';
import type { KernelCapabilities } from '../report/types.ts';

/** Symbols any known series names as its evidence (scenarios/series/<name>/series.yaml provides.symbols). */
function seriesSymbols(): string[] {
  return [...new Set(definitions().flatMap((d) => d.provides.symbols))].sort();
}

export function capabilitiesCommand(): string {
  const symbols = seriesSymbols();
  return [
    'uname -r',
    'cat /proc/cmdline',
    'cat /sys/devices/system/memory/block_size_bytes',
    'echo $(ls /sys/bus/cxl/drivers)',
    'echo $(ls /sys/bus/dax/drivers 2>/dev/null)',
    "grep -c '^flags.* hypervisor' /proc/cpuinfo",
    'cat /sys/devices/system/memory/auto_online_blocks',
    // The /proc/kallsyms lines that may name a series' evidence, whole lines: the exact name is matched on the host.
    // A fixed-string grep reads kallsyms in about 0.5 s under TCG; a word or field match (grep -w, awk) takes 2 s.
    symbols.length ? `grep -F ${symbols.map((s) => `-e ' ${s}'`).join(' ')} /proc/kallsyms || true` : 'true',
  ].join('; ');
}

export interface Capabilities extends BootFacts {
  /** Whether the guest CPU shows the hypervisor bit: stock kernels then refuse region commit (ENXIO + WARNING). */
  hypervisorVisible: boolean;
  symbols: string[];
}

/** `text` is capabilitiesCommand()'s output; window starts come from the guest's root decoders. */
export function parseCapabilities(text: string, windowStarts: Record<string, bigint>): Capabilities {
  const [release = '', cmdline = '', bs = '0', cxl = '', dax = '', hv = '0', online = 'offline', ...kallsyms] = text.split('\n');
  const words = (s: string) => s.split(/\s+/).filter(Boolean);
  // kallsyms lines are "address type name" (and "\t[module]"): the name is the third field.
  const wanted = new Set(seriesSymbols());
  const symbols = [...new Set(kallsyms.map((l) => words(l)[2] ?? '').filter((n) => wanted.has(n)))].sort();
  const caps = { cxlDrivers: words(cxl), daxDrivers: words(dax), symbols };
  return {
    release,
    cmdline,
    blockSizeBytes: BigInt(`0x${bs.trim() || '0'}`),
    windowStarts,
    ...caps,
    series: seriesOnKernel(caps),
    hypervisorVisible: Number(hv) > 0,
    builtInOnlineType: online.trim(),
  };
}

/** The drivers a scenario requires that this kernel lacks. */
export function unmet(requires: string[], caps: Capabilities): string[] {
  return requires.filter((r) => !caps.cxlDrivers.includes(r) && !caps.daxDrivers.includes(r));
}

export function reportCapabilities(c: Capabilities): KernelCapabilities {
  return { release: c.release, cxlDrivers: c.cxlDrivers, daxDrivers: c.daxDrivers, attributes: c.series, blockSizeBytes: `0x${c.blockSizeBytes.toString(16)}`, hypervisorVisible: c.hypervisorVisible };
}
