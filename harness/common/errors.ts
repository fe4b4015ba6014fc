// The one error family: every failure carries the stage it came from and the exit code it maps to.

/**
 * Exit codes (README "Exit codes"): 0 pass, 1 the kernel disagreed with the model, 2 bad input, 3 the series does
 * not apply, 4 infrastructure failure, 5 the model has no prediction for a step, 6 a documentation mismatch under
 * --doc-strict, 130 interrupted (Ctrl-C). `--bisect` maps 2–6 to 125 so `git bisect run` skips the commit.
 */
export const EXIT = { pass: 0, kernel: 1, input: 2, series: 3, infra: 4, gap: 5, doc: 6, interrupted: 130 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export type Stage =
  | 'input'
  | 'provision'
  | 'kernel'
  | 'image'
  | 'runtime'
  | 'boot'
  | 'guest'
  | 'steps'
  | 'report'
  | 'bundle';

export interface HarnessErrorOptions {
  stage: Stage;
  /** Extra lines shown under the message: console excerpts, accepted values, the command that failed. */
  details?: string[];
  /** Defaults: 2 for stage 'input', 4 (infrastructure) for every other stage. */
  exitCode?: ExitCode;
  cause?: unknown;
}

export class HarnessError extends Error {
  readonly stage: Stage;
  readonly details: string[];
  readonly exitCode: ExitCode;

  constructor(message: string, options: HarnessErrorOptions) {
    super(message, { cause: options.cause });
    this.name = 'HarnessError';
    this.stage = options.stage;
    this.details = options.details ?? [];
    this.exitCode = options.exitCode ?? (options.stage === 'input' ? EXIT.input : EXIT.infra);
  }

  /** Multi-line text for the terminal: stage, message, details, and the cause's message when it adds something. */
  format(): string {
    const lines = [`[${this.stage}] ${this.message}`, ...this.details.map((d) => `  ${d}`)];
    const cause = this.cause instanceof Error ? this.cause.message : undefined;
    if (cause && !this.message.includes(cause)) lines.push(`  cause: ${cause}`);
    return lines.join('\n');
  }
}

/** Ctrl-C: the run stops its guests, writes its artifacts and ends with the shell's code for SIGINT. */
export function interrupted(stage: Stage): HarnessError {
  return new HarnessError('interrupted', { stage, exitCode: EXIT.interrupted });
}

/** Why an aborted run stopped: the reason it was aborted with (a timeout), else Ctrl-C. */
export function stopped(signal: AbortSignal | undefined, stage: Stage): HarnessError {
  return signal?.reason instanceof HarnessError ? signal.reason : interrupted(stage);
}

/** Bad user input: names the file, the field, the value and what would be accepted. */
export function inputError(file: string, field: string, value: unknown, accepted: string): HarnessError {
  return new HarnessError(`${file}: ${field}: ${JSON.stringify(value)} is not accepted; ${accepted}`, {
    stage: 'input',
  });
}

/** What `git bisect run` needs: 0 good, 1 bad, 125 skip (anything the kernel under test is not to blame for). */
export function bisectExitCode(code: number): number {
  return code === EXIT.pass || code === EXIT.kernel ? code : 125;
}
