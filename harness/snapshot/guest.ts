// The guest side of a restore: the fingerprint it must reproduce, the settle commands, and the CXL re-probe.
import type { GuestSession } from '../guest/session.ts';
import { HarnessError } from '../common/errors.ts';

export interface GuestFingerprint {
  /** First 64 bytes of each PCI function's config space, hex, by address. */
  pci: Record<string, string>;
  /** "cxl/<name>", "dax/<name>", "nd/<name>": the device names on those buses. */
  devices: string[];
  /** /usr/libexec/cxl-harness/snapshot: the harness's observation of CXL, DAX and memory state. */
  state: string;
  /** /usr/libexec/cxl-harness/graph: the enumerated CXL object graph. */
  graph: string;
  /** Seconds since the guest booted (/proc/uptime), continuous across save and restore. */
  uptime: number;
}

const MARK = '--- cxl-harness ';

const FINGERPRINT = [
  `echo '${MARK}pci'`,
  `for d in /sys/bus/pci/devices/*; do printf '%s\\t' "\${d##*/}"; hexdump -v -n 64 -e '64/1 "%02x"' "$d/config"; echo; done`,
  `echo '${MARK}devices'`,
  'for b in cxl dax nd; do for d in /sys/bus/$b/devices/*; do [ -e "$d" ] && echo "$b/${d##*/}"; done; done',
  `echo '${MARK}state'`,
  '/usr/libexec/cxl-harness/snapshot',
  `echo '${MARK}graph'`,
  '/usr/libexec/cxl-harness/graph',
  `echo '${MARK}uptime'`,
  'cat /proc/uptime',
].join('\n');

function sections(out: string): Record<string, string> {
  const parts: Record<string, string> = {};
  for (const chunk of out.split(MARK).slice(1)) {
    const nl = chunk.indexOf('\n');
    parts[chunk.slice(0, nl)] = chunk.slice(nl + 1);
  }
  return parts;
}

export function parseFingerprint(out: string): GuestFingerprint {
  const s = sections(out);
  const pci: Record<string, string> = {};
  for (const line of (s.pci ?? '').split('\n').filter(Boolean)) {
    const [addr, hex = ''] = line.split('\t');
    pci[addr!] = hex;
  }
  return { pci, devices: (s.devices ?? '').split('\n').filter(Boolean), state: s.state ?? '', graph: s.graph ?? '', uptime: Number((s.uptime ?? '').split(' ')[0]) };
}

export interface GuestRun {
  fingerprint: GuestFingerprint;
  /** Kernel log lines a re-probe in the same command printed (reprobeCommand), else empty. */
  reprobeLog: string[];
  /** /proc/uptime when the settle commands ran (settleCommand in the prefix), before any re-probe. */
  settledUptime?: number;
  stderr: string[];
}

/** One round trip: `prefix` (settle, re-probe) first in the same shell, then the fingerprint. */
export async function readFingerprint(guest: GuestSession, prefix = ''): Promise<GuestRun> {
  const r = await guest.exec(`${prefix}${prefix ? '\n' : ''}${FINGERPRINT}`, 60_000);
  const stderr = r.stderr.split('\n').filter(Boolean);
  if (r.code !== 0) throw new HarnessError('reading the guest fingerprint failed', { stage: 'guest', details: stderr });
  const parts = sections(r.stdout);
  const settled = parts.settled ? Number(parts.settled.split(' ')[0]) : undefined;
  return { fingerprint: parseFingerprint(r.stdout), reprobeLog: (parts.dmesg ?? '').split('\n').filter(Boolean), stderr, ...(settled !== undefined ? { settledUptime: settled } : {}) };
}

/** Byte offsets a re-read may change on its own: status (RW1C bits), and a bridge's secondary status. */
function volatileByte(i: number, headerType: number): boolean {
  return i === 6 || i === 7 || ((headerType & 0x7f) === 1 && (i === 0x1e || i === 0x1f));
}

function headerDiff(a: string, b: string): number[] {
  const type = parseInt(a.slice(0x0e * 2, 0x0e * 2 + 2), 16);
  const offsets: number[] = [];
  for (let i = 0; i < Math.max(a.length, b.length) / 2; i++) {
    if (!volatileByte(i, type) && a.slice(i * 2, i * 2 + 2) !== b.slice(i * 2, i * 2 + 2)) offsets.push(i);
  }
  return offsets;
}

/** Differences between the fingerprint saved with a snapshot and a restored guest's, one line each; empty when equal. */
export function compareFingerprints(saved: GuestFingerprint, now: GuestFingerprint): string[] {
  const out: string[] = [];
  for (const addr of new Set([...Object.keys(saved.pci), ...Object.keys(now.pci)])) {
    const a = saved.pci[addr];
    const b = now.pci[addr];
    if (a === undefined || b === undefined) out.push(`pci ${addr}: ${a === undefined ? 'appeared' : 'vanished'}`);
    else if (/^f{8}/.test(b) && !/^f{8}/.test(a)) out.push(`pci ${addr}: config space reads all ones (the device is unreachable: its bridge lost its bus numbers)`);
    else {
      const offsets = headerDiff(a, b);
      if (offsets.length) out.push(`pci ${addr}: config header differs at ${offsets.map((o) => `0x${o.toString(16).padStart(2, '0')}`).join(' ')} (saved ${a}, now ${b})`);
    }
  }
  const lines = (label: string, x: string[], y: string[]) => {
    const ys = new Set(y);
    const xs = new Set(x);
    for (const l of x) if (!ys.has(l)) out.push(`${label}: only saved: ${l}`);
    for (const l of y) if (!xs.has(l)) out.push(`${label}: only now: ${l}`);
  };
  lines('devices', saved.devices, now.devices);
  lines('state', saved.state.split('\n').filter(Boolean), now.state.split('\n').filter(Boolean));
  lines('graph', saved.graph.split('\n').filter(Boolean), now.graph.split('\n').filter(Boolean));
  return out;
}

/**
 * First commands in a restored guest: the wall clock set to the host's (the guest's clock resumes where it was saved),
 * and the dropbear connection that served the harness at save time ended (its peer is gone; it would idle forever).
 */
export function settleCommand(now = new Date()): string {
  return [
    `date -s @${Math.floor(now.getTime() / 1000)} >/dev/null`,
    'm=$(cat /run/dropbear.pid 2>/dev/null)',
    'for p in $(pidof dropbear); do [ "$p" = "$m" ] || [ "$p" = "$PPID" ] || kill "$p" 2>/dev/null; done',
    `echo '${MARK}settled'`,
    'cat /proc/uptime',
  ].join('\n');
}

/** Octal escapes of `hex` (pairs of hex digits) for a printf format: one byte each. */
const octal = (hex: string) => (hex.match(/../g) ?? []).map((b) => `\\${parseInt(b, 16).toString(8).padStart(3, '0')}`).join('');

/** PCI functions a re-probe re-enumerates (on a bus at or above the lowest CXL host bridge's), and the PCI expander bridges themselves. */
export function reprobedFunctions(saved: GuestFingerprint, cxlBuses: number[]): string[] {
  const lowest = Math.min(...cxlBuses);
  return Object.entries(saved.pci)
    .filter(([addr, hex]) => parseInt(addr.split(':')[1] ?? '0', 16) >= lowest || hex.startsWith('361b0b00'))
    .map(([addr]) => addr)
    .sort();
}

/**
 * Re-probes everything below the CXL root as boot did: QEMU 10.0.2 has no migration state for pxb-cxl, cxl-rp,
 * cxl-upstream/-downstream, cxl-type3 and the switch CCI, so after a restore their config space (bus numbers, windows,
 * BARs), MSI-X tables and CXL registers are back at reset values while the guest kernel still believes in its
 * programming. Unbinding cxl_acpi, removing and rescanning the PCI functions below every CXL host bridge and binding
 * cxl_acpi again makes the kernel program them afresh; the command register and interrupt line of those functions and
 * of the expander bridges (firmware's values, which a rescan does not set) are put back from the saved headers.
 * Waits until the CXL device names are the saved ones; prints the kernel log of all this after a marker (and clears
 * it). Shell builtins wherever possible: every fork costs milliseconds under TCG.
 */
export function reprobeCommand(saved: GuestFingerprint, timeoutMs: number, cxlBuses: number[]): string {
  const want = saved.devices.filter((d) => d.startsWith('cxl/')).map((d) => ` ${d.slice(4)}`).sort().join('');
  const polls = Math.max(1, Math.ceil(timeoutMs / 50));
  const writes = reprobedFunctions(saved, cxlBuses).flatMap((addr) => {
    const hex = saved.pci[addr]!;
    const c = `/sys/bus/pci/devices/${addr}/config`;
    return [
      `printf '${octal(hex.slice(8, 12))}' | dd of=${c} bs=1 seek=4 conv=notrunc 2>/dev/null`,
      `printf '${octal(hex.slice(0x3c * 2, 0x3c * 2 + 2))}' | dd of=${c} bs=1 seek=60 conv=notrunc 2>/dev/null`,
    ];
  });
  return [
    'a=/sys/bus/platform/drivers/cxl_acpi',
    'roots=',
    'for d in $a/ACPI0017:*; do [ -e "$d" ] || continue; roots="$roots ${d##*/}"; echo "${d##*/}" > $a/unbind; done',
    // The PCI root bus of each CXL host bridge (ACPI0016): every function on it goes, with what is below.
    'for r in /sys/devices/pci0000:*; do',
    '  h=; read -r h < $r/firmware_node/hid 2>/dev/null; [ "$h" = ACPI0016 ] || continue',
    '  for f in $r/0000:*; do [ -e "$f/remove" ] && echo 1 > "$f/remove"; done',
    'done',
    'echo 1 > /sys/bus/pci/rescan',
    'for n in $roots; do echo "$n" > $a/bind; done',
    `want='${want}'`,
    'i=0',
    `while have=; for d in /sys/bus/cxl/devices/*; do [ -e "$d" ] && have="$have \${d##*/}"; done; [ "$have" != "$want" ] && [ $i -lt ${polls} ]; do sleep 0.05; i=$((i + 1)); done`,
    `[ "$have" = "$want" ] || echo "cxl-harness: re-probe: CXL devices are '$have', not '$want'" >&2`,
    ...writes,
    `echo '${MARK}dmesg'`,
    'dmesg -c',
  ].join('\n');
}
