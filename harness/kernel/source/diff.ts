// Lists the hunks of a unified diff, so a failure at "file:line" can be named as "hunk 2 of 3".

export interface Hunk {
  /** Path after the change (the old one for a deletion), without a/ or b/. */
  file: string;
  /** 1-based position among this file's hunks, and how many hunks the file has. */
  index: number;
  count: number;
  oldStart: number;
  /** The "@@ -a,b +c,d @@ context" line. */
  header: string;
}

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

function stripPrefix(path: string): string {
  return path.replace(/\t.*$/, '').replace(/^[ab]\//, '');
}

export function diffHunks(text: string): Hunk[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const hunks: Omit<Hunk, 'count'>[] = [];
  let file: string | undefined;
  let minus: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const git = /^diff --git a\/(.+?) b\/(.+)$/.exec(line);
    if (git) {
      file = git[2];
      continue;
    }
    if (line.startsWith('--- ')) {
      minus = line.slice(4);
      continue;
    }
    if (line.startsWith('+++ ')) {
      const plus = line.slice(4);
      file = stripPrefix(plus === '/dev/null' && minus ? minus : plus);
      continue;
    }
    const h = HUNK.exec(line);
    if (!h || !file) continue;
    hunks.push({ file, index: hunks.filter((x) => x.file === file).length + 1, oldStart: Number(h[1]), header: line });
    // Skip the hunk's body by its line counts: a removed line may itself start with "--" or "@@".
    let oldLeft = h[2] === undefined ? 1 : Number(h[2]);
    let newLeft = h[4] === undefined ? 1 : Number(h[4]);
    while ((oldLeft > 0 || newLeft > 0) && i + 1 < lines.length) {
      const body = lines[++i]!;
      if (body.startsWith('\\')) continue;
      if (body.startsWith('-')) oldLeft--;
      else if (body.startsWith('+')) newLeft--;
      else {
        oldLeft--;
        newLeft--;
      }
    }
  }
  return hunks.map((h) => ({ ...h, count: hunks.filter((x) => x.file === h.file).length }));
}
