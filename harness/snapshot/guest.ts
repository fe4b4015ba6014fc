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

/**
 * Prints "address<TAB>first 64 bytes of config space in hex" for each PCI function folder `dirs` (a shell word list,
 * globs allowed) names. One head and one hexdump for all of them: a fork per function costs 5-10 ms under TCG.
 * `each`: shell run for every function with $a (address) and $h (hex) set.
 */
function headersCommand(dirs: string, each = ''): string[] {
  return [
    `n=; l=; for d in ${dirs}; do [ -e "$d" ] || continue; n="$n \${d##*/}"; l="$l $d/config"; done`,
    // With no file, head would read the session's stdin and wait.
    `set --; [ -n "$l" ] && set -- $(head -qc 64 $l | hexdump -v -e '64/1 "%02x" "\\n"')`,
    `for a in $n; do h=\${1-}; printf '%s\\t%s\\n' "$a" "$h";${each ? ` ${each};` : ''} [ $# -gt 0 ] && shift; done`,
  ];
}

const FINGERPRINT = [
  `echo '${MARK}pci'`,
  ...headersCommand('/sys/bus/pci/devices/*'),
  `echo '${MARK}devices'`,
  'for b in cxl dax nd; do for d in /sys/bus/$b/devices/*; do [ -e "$d" ] && echo "$b/${d##*/}"; done; done',
  `echo '${MARK}state'`,
  '/usr/libexec/cxl-harness/snapshot',
  `echo '${MARK}graph'`,
  '/usr/libexec/cxl-harness/graph',
  `echo '${MARK}uptime'`,
  'read -r up _ < /proc/uptime; echo "$up"',
  // The dropbear process serving this session (a snapshot saved now holds it, stale once restored).
  `echo '${MARK}session'`,
  'echo "$PPID"',
].join('\n');

function sections(out: string): Record<string, string> {
  const parts: Record<string, string> = {};
  for (const chunk of out.split(MARK).slice(1)) {
    const nl = chunk.indexOf('\n');
    parts[chunk.slice(0, nl)] = chunk.slice(nl + 1);
  }
  return parts;
}

function headerLines(text: string | undefined): Record<string, string> {
  const pci: Record<string, string> = {};
  for (const line of (text ?? '').split('\n').filter(Boolean)) {
    const [addr, hex = ''] = line.split('\t');
    pci[addr!] = hex;
  }
  return pci;
}

export function parseFingerprint(out: string): GuestFingerprint {
  const s = sections(out);
  return { pci: headerLines(s.pci), devices: (s.devices ?? '').split('\n').filter(Boolean), state: s.state ?? '', graph: s.graph ?? '', uptime: Number((s.uptime ?? '').split(' ')[0]) };
}

export interface GuestRun {
  fingerprint: GuestFingerprint;
  /** Whether the command re-probed the CXL hierarchy (restoreCommand decides in the guest; reprobeCommand always does). */
  reprobed: boolean;
  /** The re-probed functions' headers as the restore left them, before any re-probe (restoreCommand), by address. */
  before: Record<string, string>;
  /** Kernel log lines the re-probe printed, else empty. */
  reprobeLog: string[];
  /** /proc/uptime when the settle commands ran (settleCommand in the prefix), before any re-probe. */
  settledUptime?: number;
  /** The pid of the dropbear process serving the session the command ran in. */
  sessionPid: number;
  stderr: string[];
}

/** One round trip: `prefix` (settle, re-probe) first in the same shell, then the fingerprint. */
export async function readFingerprint(guest: GuestSession, prefix = ''): Promise<GuestRun> {
  const r = await guest.exec(`${prefix}${prefix ? '\n' : ''}${FINGERPRINT}`, 60_000);
  const stderr = r.stderr.split('\n').filter(Boolean);
  if (r.code !== 0) throw new HarnessError('reading the guest fingerprint failed', { stage: 'guest', details: stderr });
  const parts = sections(r.stdout);
  const settled = parts.settled ? Number(parts.settled.split(' ')[0]) : undefined;
  return {
    fingerprint: parseFingerprint(r.stdout),
    reprobed: parts.dmesg !== undefined,
    before: headerLines(parts.before),
    reprobeLog: (parts.dmesg ?? '').split('\n').filter(Boolean),
    sessionPid: Number(parts.session ?? NaN),
    stderr,
    ...(settled !== undefined ? { settledUptime: settled } : {}),
  };
}

/**
 * Byte offsets a restore check ignores: status (RW1C bits that move on their own), a bridge's secondary status, and
 * the interrupt line: a scratch register firmware fills for the OS and no device reads (PCI Local Bus 3.0, 6.2.4),
 * which a rescan leaves at its reset value.
 */
function ignoredByte(i: number, headerType: number): boolean {
  return i === 6 || i === 7 || i === 0x3c || ((headerType & 0x7f) === 1 && (i === 0x1e || i === 0x1f));
}

const headerType = (hex: string) => parseInt(hex.slice(0x0e * 2, 0x0e * 2 + 2), 16);

function headerDiff(a: string, b: string): number[] {
  const type = headerType(a);
  const offsets: number[] = [];
  for (let i = 0; i < Math.max(a.length, b.length) / 2; i++) {
    if (!ignoredByte(i, type) && a.slice(i * 2, i * 2 + 2) !== b.slice(i * 2, i * 2 + 2)) offsets.push(i);
  }
  return offsets;
}

/** A shell case pattern that matches `hex` and any header differing from it only in ignored bytes. */
export function headerPattern(hex: string): string {
  const type = headerType(hex);
  return (hex.match(/../g) ?? []).map((b, i) => (ignoredByte(i, type) ? '??' : b)).join('');
}

/** Differences between two sets of PCI headers by address, one line each. */
function headerDifferences(saved: Record<string, string>, now: Record<string, string>): string[] {
  const out: string[] = [];
  for (const addr of new Set([...Object.keys(saved), ...Object.keys(now)])) {
    const a = saved[addr];
    const b = now[addr];
    if (a === undefined || b === undefined) out.push(`pci ${addr}: ${a === undefined ? 'appeared' : 'vanished'}`);
    else if (/^f{8}/.test(b) && !/^f{8}/.test(a)) out.push(`pci ${addr}: config space reads all ones (the device is unreachable: its bridge lost its bus numbers)`);
    else {
      const offsets = headerDiff(a, b);
      if (offsets.length) out.push(`pci ${addr}: config header differs at ${offsets.map((o) => `0x${o.toString(16).padStart(2, '0')}`).join(' ')} (saved ${a}, now ${b})`);
    }
  }
  return out;
}

/** How the functions a re-probe touches differed from the saved headers before it (GuestRun.before). */
export function differencesBefore(saved: GuestFingerprint, before: Record<string, string>): string[] {
  return headerDifferences(Object.fromEntries(Object.keys(before).map((a) => [a, saved.pci[a] ?? ''])), before);
}

/** Differences between the fingerprint saved with a snapshot and a restored guest's, one line each; empty when equal. */
export function compareFingerprints(saved: GuestFingerprint, now: GuestFingerprint): string[] {
  const out = headerDifferences(saved.pci, now.pci);
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
 * and the dropbear process that served the harness at save time (`stalePid`) ended: its peer is gone, it would idle
 * forever.
 */
export function settleCommand(stalePid: number, now = new Date()): string {
  return [
    `date -s @${Math.floor(now.getTime() / 1000)} >/dev/null`,
    `kill ${stalePid} 2>/dev/null`,
    `echo '${MARK}settled'`,
    'read -r up _ < /proc/uptime; echo "$up"',
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
 * The restore check in one round trip: settle; print the headers of the functions a re-probe touches; with `repair`,
 * re-probe (reprobeCommand) when one of them is not the saved one, as with QEMU 10.0.2, which restores none of them.
 * The fingerprint follows (readFingerprint).
 */
export function restoreCommand(saved: GuestFingerprint, stalePid: number, cxlBuses: number[], repair: boolean, now = new Date()): string {
  const functions = reprobedFunctions(saved, cxlBuses);
  const restored = functions.map((a) => `${a}:${headerPattern(saved.pci[a]!)}`).join('|');
  return [
    settleCommand(stalePid, now),
    `echo '${MARK}before'`,
    'lost=',
    ...headersCommand(functions.map((a) => `/sys/bus/pci/devices/${a}`).join(' '), repair && functions.length ? `case $a:$h in ${restored}) ;; *) lost=1 ;; esac` : ''),
    ...(repair ? ['if [ -n "$lost" ]; then', reprobeCommand(saved, 10_000, cxlBuses), 'fi'] : []),
  ].join('\n');
}

/**
 * Re-probes everything below the CXL root as boot did: QEMU 10.0.2 has no migration state for pxb-cxl, cxl-rp,
 * cxl-upstream/-downstream, cxl-type3 and the switch CCI, so after a restore their config space (bus numbers, windows,
 * BARs), MSI-X tables and CXL registers are back at reset values while the guest kernel still believes in its
 * programming. Unbinding cxl_acpi, removing and rescanning the PCI functions below every CXL host bridge and binding
 * cxl_acpi again makes the kernel program them afresh; the command register of those functions and of the expander
 * bridges (firmware's value, which a rescan does not set) is put back from the saved headers. Waits until the CXL
 * device names are the saved ones; prints the kernel log of all this after a marker (and clears it). Shell builtins
 * wherever possible: every fork costs milliseconds under TCG.
 */
export function reprobeCommand(saved: GuestFingerprint, timeoutMs: number, cxlBuses: number[]): string {
  const want = saved.devices.filter((d) => d.startsWith('cxl/')).map((d) => ` ${d.slice(4)}`).sort().join('');
  const polls = Math.max(1, Math.ceil(timeoutMs / 20));
  // Bytes 0-5 from offset 0 with a builtin: vendor and device ID are read-only, so only the command register changes.
  const writes = reprobedFunctions(saved, cxlBuses).map((addr) => `printf '${octal(saved.pci[addr]!.slice(0, 12))}' 1<> /sys/bus/pci/devices/${addr}/config`);
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
    `while have=; for d in /sys/bus/cxl/devices/*; do [ -e "$d" ] && have="$have \${d##*/}"; done; [ "$have" != "$want" ] && [ $i -lt ${polls} ]; do sleep 0.02; i=$((i + 1)); done`,
    `[ "$have" = "$want" ] || echo "cxl-harness: re-probe: CXL devices are '$have', not '$want'" >&2`,
    ...writes,
    `echo '${MARK}dmesg'`,
    'dmesg -c',
  ].join('\n');
}
