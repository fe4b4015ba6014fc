// A subcommand of cxl-harness: its name, one line for the command list, its --help text, and its entry.

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Returns the process exit code; throws HarnessError for bad input or infrastructure failures. */
  main(argv: string[]): Promise<number>;
}
