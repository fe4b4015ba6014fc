// Reads the headers of one patch e-mail (git format-patch / b4 am output): unfolded, MIME-word decoded.

export interface MailMessage {
  headers: Map<string, string>;
  /** Everything after the blank line that ends the headers: commit message, "---", diffstat, diff. */
  body: string;
}

/** Splits a message into headers (lower-cased names, first occurrence wins) and body; undefined when it has no header block. */
export function parseMail(text: string): MailMessage | undefined {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const headers = new Map<string, string>();
  let i = 0;
  let last: string | undefined;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') break;
    if (/^[ \t]/.test(line) && last) {
      // RFC 5322 folding: a continuation line belongs to the previous header.
      headers.set(last, `${headers.get(last)!} ${line.trim()}`);
      continue;
    }
    const m = /^([A-Za-z0-9-]+):\s?(.*)$/.exec(line);
    if (!m) return undefined;
    last = m[1]!.toLowerCase();
    if (!headers.has(last)) headers.set(last, m[2]!);
    else last = undefined;
  }
  if (!headers.size) return undefined;
  return { headers, body: lines.slice(i + 1).join('\n') };
}

/** Decodes RFC 2047 encoded words (=?charset?Q|B?text?=), as git and b4 write non-ASCII names and subjects. */
export function decodeWords(value: string): string {
  // Whitespace between two adjacent encoded words is not part of the text.
  const joined = value.replace(/(\?=)\s+(=\?)/g, '$1$2');
  return joined.replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_all, charset: string, enc: string, text: string) => {
    const bytes = enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64')
      : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
    return new TextDecoder(charset.toLowerCase() === 'utf-8' || charset.toLowerCase() === 'utf8' ? 'utf-8' : 'latin1').decode(bytes);
  });
}

export interface SubjectParts {
  /** Position in the series, from "[PATCH n/N]" (0 is the cover letter). */
  number?: number;
  total?: number;
  /** The subject without its bracketed prefixes. */
  title: string;
}

/** "[PATCH v2 3/7] cxl/region: fix X" → {number: 3, total: 7, title: "cxl/region: fix X"}. */
export function parseSubject(subject: string): SubjectParts {
  let rest = subject.trim();
  let number: number | undefined;
  let total: number | undefined;
  for (let m = /^\[([^\]]*)\]\s*/.exec(rest); m; m = /^\[([^\]]*)\]\s*/.exec(rest)) {
    const n = /(?:^|\s)0*(\d+)\/0*(\d+)(?:\s|$)/.exec(m[1]!);
    if (n) {
      number = Number(n[1]);
      total = Number(n[2]);
    }
    rest = rest.slice(m[0].length);
  }
  return { ...(number !== undefined ? { number, total } : {}), title: rest };
}
