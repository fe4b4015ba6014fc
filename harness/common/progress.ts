// Progress of long work (downloads, builds, the matrix): rewritten in place on a terminal, a line every few seconds
// otherwise, so CI logs stay short and a person at a terminal sees it move.

export interface Progress {
  update(text: string): void;
  /** Clears the live line; `text` (if any) is logged as the final line. */
  done(text?: string): void;
}

export function progress(log: (line: string) => void, everyMs = 10_000, tty = process.stderr.isTTY === true): Progress {
  let last = -Infinity;
  let shown = false;
  return {
    update(text) {
      if (tty) {
        process.stderr.write(`\r\x1b[K${text}`);
        shown = true;
      } else if (Date.now() - last >= everyMs) {
        last = Date.now();
        log(text);
      }
    },
    done(text) {
      if (shown) process.stderr.write('\r\x1b[K');
      shown = false;
      if (text) log(text);
    },
  };
}

export const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
