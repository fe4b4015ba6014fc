// The guest side of a snapshot: the fingerprint a restore must reproduce, the settle commands, and the CXL hierarchy
// detached before a save and attached again after it.
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
 */
function headersCommand(dirs: string): string[] {
  return [
    `n=; l=; for d in ${dirs}; do [ -e "$d" ] || continue; n="$n \${d##*/}"; l="$l $d/config"; done`,
    // With no file, head would read the session's stdin and wait.
    `set --; [ -n "$l" ] && set -- $(head -qc 64 $l | hexdump -v -e '64/1 "%02x" "\\n"')`,
    `for a in $n; do printf '%s\\t%s\\n' "$a" "\${1-}"; [ $# -gt 0 ] && shift; done`,
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
  /** Kernel log lines an attach in the same command printed (attachCommand), else empty. */
  attachLog: string[];
  /** /proc/uptime when the settle commands ran (settleCommand in the prefix), before the attach. */
  settledUptime?: number;
  /** The pid of the dropbear process serving the session the command ran in. */
  sessionPid: number;
  stderr: string[];
}

/** One round trip: `prefix` (settle, attach) first in the same shell, then the fingerprint. */
export async function readFingerprint(guest: GuestSession, prefix = ''): Promise<GuestRun> {
  const r = await guest.exec(`${prefix}${prefix ? '\n' : ''}${FINGERPRINT}`, 60_000);
  const stderr = r.stderr.split('\n').filter(Boolean);
  if (r.code !== 0) throw new HarnessError('reading the guest fingerprint failed', { stage: 'guest', details: stderr });
  const parts = sections(r.stdout);
  const settled = parts.settled ? Number(parts.settled.split(' ')[0]) : undefined;
  return {
    fingerprint: parseFingerprint(r.stdout),
    attachLog: (parts.dmesg ?? '').split('\n').filter(Boolean),
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

function headerDiff(a: string, b: string): number[] {
  const type = parseInt(a.slice(0x0e * 2, 0x0e * 2 + 2), 16);
  const offsets: number[] = [];
  for (let i = 0; i < Math.max(a.length, b.length) / 2; i++) {
    if (!ignoredByte(i, type) && a.slice(i * 2, i * 2 + 2) !== b.slice(i * 2, i * 2 + 2)) offsets.push(i);
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

/** PCI functions an attach enumerates afresh (on a bus at or above the lowest CXL host bridge's), and the PCI expander bridges themselves. */
export function attachedFunctions(saved: GuestFingerprint, cxlBuses: number[]): string[] {
  const lowest = Math.min(...cxlBuses);
  return Object.entries(saved.pci)
    .filter(([addr, hex]) => parseInt(addr.split(':')[1] ?? '0', 16) >= lowest || hex.startsWith('361b0b00'))
    .map(([addr]) => addr)
    .sort();
}

/**
 * Makes the guest forget its CXL hierarchy before a save: unbinds cxl_acpi and removes every PCI function on the root
 * bus of each CXL host bridge (ACPI0016), with what is below. QEMU 10.0.2 has no migration state for pxb-cxl, cxl-rp,
 * cxl-upstream/-downstream, cxl-type3 and the switch CCI: a restored VM has their config space (bus numbers, windows,
 * BARs), MSI-X tables and CXL registers at reset values. A guest saved without them loses nothing; attachCommand
 * then enumerates them as boot did, and doing the teardown here rather than after each restore saves its time there.
 */
export function detachCommand(): string {
  return [
    'a=/sys/bus/platform/drivers/cxl_acpi',
    'for d in $a/ACPI0017:*; do [ -e "$d" ] && echo "${d##*/}" > $a/unbind; done',
    'for r in /sys/devices/pci0000:*; do',
    '  h=; read -r h < $r/firmware_node/hid 2>/dev/null; [ "$h" = ACPI0016 ] || continue',
    '  for f in $r/0000:*; do [ -e "$f/remove" ] && echo 1 > "$f/remove"; done',
    'done',
  ].join('\n');
}

/**
 * Brings back what detachCommand removed: a rescan of each CXL host bridge's root bus programs the functions afresh
 * and binding cxl_acpi again enumerates the hierarchy. Waits until the CXL device names are the saved ones; the
 * command register of those functions and of the expander bridges (firmware's value, which a rescan does not set) is
 * put back from the saved headers. Prints the kernel log of all this after a marker (and clears it). Shell builtins
 * wherever possible: every fork costs milliseconds under TCG.
 */
export function attachCommand(saved: GuestFingerprint, timeoutMs: number, cxlBuses: number[]): string {
  const want = saved.devices.filter((d) => d.startsWith('cxl/')).map((d) => ` ${d.slice(4)}`).sort().join('');
  const polls = Math.max(1, Math.ceil(timeoutMs / 20));
  // Bytes 0-5 from offset 0 with a builtin: vendor and device ID are read-only, so only the command register changes.
  const writes = attachedFunctions(saved, cxlBuses).map((addr) => `printf '${octal(saved.pci[addr]!.slice(0, 12))}' 1<> /sys/bus/pci/devices/${addr}/config`);
  return [
    // Only the CXL host bridges' root buses: a rescan of every bus took 10-20 ms more.
    ...cxlBuses.map((b) => `echo 1 > /sys/class/pci_bus/0000:${b.toString(16).padStart(2, '0')}/rescan`),
    'for d in /sys/bus/platform/devices/ACPI0017:*; do [ -e "$d" ] && echo "${d##*/}" > /sys/bus/platform/drivers/cxl_acpi/bind; done',
    `want='${want}'`,
    'i=0',
    // read -t on the guest's wait fifo (see images/guest/init) is a builtin pause: sleep forked at every poll.
    'exec 3<> /run/cxl-harness.wait',
    `while have=; for d in /sys/bus/cxl/devices/*; do [ -e "$d" ] && have="$have \${d##*/}"; done; [ "$have" != "$want" ] && [ $i -lt ${polls} ]; do read -t 0.02 -u 3 _; i=$((i + 1)); done`,
    'exec 3<&-',
    `[ "$have" = "$want" ] || echo "cxl-harness: attach: CXL devices are '$have', not '$want'" >&2`,
    ...writes,
    `echo '${MARK}dmesg'`,
    'dmesg -c',
  ].join('\n');
}

export interface Attached {
  /** The first round trip: settle output, the attach's kernel log. */
  run: GuestRun;
  fingerprint: GuestFingerprint;
  /** What still differs from `saved` (compareFingerprints); empty when the guest is the saved one. */
  differences: string[];
}

/**
 * Runs `prefix`, attachCommand and the fingerprint in one round trip, then looks again for up to 2 s while the guest
 * differs from `saved`: port and endpoint probes finish asynchronously.
 */
export async function attach(guest: GuestSession, saved: GuestFingerprint, cxlBuses: number[], prefix = ''): Promise<Attached> {
  const run = await readFingerprint(guest, `${prefix}${prefix ? '\n' : ''}${attachCommand(saved, 10_000, cxlBuses)}`);
  let fingerprint = run.fingerprint;
  let differences = compareFingerprints(saved, fingerprint);
  const deadline = Date.now() + 2000;
  while (differences.length && Date.now() < deadline) {
    await new Promise((res) => setTimeout(res, 200));
    fingerprint = (await readFingerprint(guest)).fingerprint;
    differences = compareFingerprints(saved, fingerprint);
  }
  return { run, fingerprint, differences };
}
