// Reads the serial console: harness markers from the guest's init, and kernel trouble (panic, oops, BUG, WARNING).

export type Trouble = 'panic' | 'oops' | 'bug' | 'warning';

const TROUBLE: [Trouble, RegExp][] = [
  ['panic', /Kernel panic - not syncing/],
  // "traps: prog[pid] general protection fault" is a user-space crash, not the kernel's.
  ['oops', /\bOops[:\s]|^(?!.*\btraps: ).*general protection fault/],
  ['bug', /\bBUG: |kernel BUG at/],
  // WARN headers: "WARNING: CPU: 1 PID: 245 at file:line" before 6.19, "WARNING: file:line at fn, CPU#1: comm/pid" since.
  ['warning', /^(\[[ \d.]+\] )?WARNING: |------------\[ cut here \]------------/],
];

/** The kind of kernel trouble a console or dmesg line reports, if any. */
export function troubleIn(line: string): Trouble | undefined {
  return TROUBLE.find(([, re]) => re.test(line))?.[0];
}

/** Lines worth showing with a failure: the trouble lines and the call trace that follows them, at most `max`. */
export function troubleExcerpt(lines: string[], max = 40): string[] {
  const out: string[] = [];
  let inTrace = 0;
  for (const line of lines) {
    if (troubleIn(line)) inTrace = 25;
    else if (/Call Trace:|RIP: |Modules linked in:/.test(line)) inTrace = Math.max(inTrace, 15);
    if (inTrace > 0) {
      out.push(line);
      inTrace--;
    }
    if (out.length >= max) break;
  }
  return out;
}

export const READY = /cxl-harness: ready/;
export const HOSTKEY = /cxl-harness: hostkey (ssh-ed25519 [A-Za-z0-9+/=]+)/;
