// The one error family: every failure carries the stage it came from and the exit code it maps to.

/** Exit codes: 0 pass, 1 the kernel disagreed with the model, 2 bad input or infrastructure, 3 series does not apply. */
export type ExitCode = 0 | 1 | 2 | 3;

export type Stage =
  | 'input'
  | 'provision'
  | 'kernel'
  | 'image'
  | 'boot'
  | 'guest'
  | 'steps'
  | 'report';

export interface HarnessErrorOptions {
  stage: Stage;
  /** Extra lines shown under the message: console excerpts, accepted values, the command that failed. */
  details?: string[];
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
    this.exitCode = options.exitCode ?? 2;
  }

  /** Multi-line text for the terminal: stage, message, details, and the cause's message when it adds something. */
  format(): string {
    const lines = [`[${this.stage}] ${this.message}`, ...this.details.map((d) => `  ${d}`)];
    const cause = this.cause instanceof Error ? this.cause.message : undefined;
    if (cause && !this.message.includes(cause)) lines.push(`  cause: ${cause}`);
    return lines.join('\n');
  }
}

/** Bad user input: names the file, the field, the value and what would be accepted. */
export function inputError(file: string, field: string, value: unknown, accepted: string): HarnessError {
  return new HarnessError(`${file}: ${field}: ${JSON.stringify(value)} is not accepted; ${accepted}`, {
    stage: 'input',
  });
}
