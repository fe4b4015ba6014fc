// Turns kbuild's quiet output ("  CC      kernel/fork.o") into progress lines: step count, and a percentage when a previous count is known.

/** A kbuild quiet-command line: two spaces, an upper-case tag (CC, LD, AR, HOSTCC, GEN …), the target. */
const STEP = /^ {2}([A-Z][A-Z0-9_]*(?: \[[A-Z]\])?) +(\S+)$/;

export class BuildProgress {
  steps = 0;
  private lastReport = -Infinity;
  private last = '';

  constructor(
    private readonly log: (line: string) => void,
    /** Steps a full build of this configuration took last time, if known. */
    private readonly expected: number | undefined,
    private readonly everyMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Feeds one line of make output; reports at most every `everyMs`, and when linking starts. */
  line(text: string): void {
    const m = STEP.exec(text);
    if (!m) return;
    this.steps++;
    this.last = `${m[1]} ${m[2]}`;
    const linking = m[1] === 'LD' && m[2] === 'vmlinux.o';
    if (linking || this.now() - this.lastReport >= this.everyMs) {
      this.lastReport = this.now();
      this.log(this.describe(linking ? 'linking' : 'building'));
    }
  }

  describe(stage: string): string {
    const pct = this.expected ? ` (${Math.min(99, Math.floor((100 * this.steps) / this.expected))}%)` : '';
    return `${stage}: ${this.steps}${this.expected ? `/~${this.expected}` : ''} steps${pct}, ${this.last}`;
  }
}
