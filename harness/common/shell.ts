// POSIX shell quoting, for commands sent to the guest and command lines shown to the user.

/** One shell word: single-quoted unless it is plainly safe. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/** A whole argv as one pasteable command line. */
export function shellQuote(argv: string[]): string {
  return argv.map(shellWord).join(' ');
}
