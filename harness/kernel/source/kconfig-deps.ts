// Says why Kconfig dropped a requested option: reads the tree's Kconfig files for its dependencies and evaluates them on the final .config.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ConfigProblem, ConfigValues } from './config.ts';

interface Definition {
  /** Conditions from enclosing `if` blocks, menus and `depends on` lines, each one conjunct. */
  conditions: string[];
  hasPrompt: boolean;
  where: string;
}

interface KconfigIndex {
  definitions: Map<string, Definition[]>;
  /** symbol → the symbols whose definitions `select` it. */
  selectedBy: Map<string, string[]>;
}

const ENTRY = /^(config|menuconfig|choice|endchoice|menu|endmenu|if|endif|comment|source|rsource|osource|orsource|mainmenu)\b/;

/** Removes a trailing `# comment` that is not inside a quoted string. */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#') return line.slice(0, i);
  }
  return line;
}

function indentWidth(line: string): number {
  let w = 0;
  for (const c of line) {
    if (c === ' ') w++;
    else if (c === '\t') w = (Math.floor(w / 8) + 1) * 8;
    else break;
  }
  return w;
}

/** Parses every Kconfig file reachable from the top one (arch = x86), recording each symbol's conditions and selects. */
export async function indexKconfig(srcTree: string, srcArch = 'x86'): Promise<KconfigIndex> {
  const index: KconfigIndex = { definitions: new Map(), selectedBy: new Map() };
  const parse = async (rel: string, inherited: string[]): Promise<void> => {
    const text = await readFile(join(srcTree, rel), 'utf8').catch(() => undefined);
    if (text === undefined) return;
    const lines = text.replace(/\\\n/g, ' ').split('\n');
    // Frames: `if` pushes its condition; `menu` and `choice` collect the `depends on` that follow them.
    const stack: { conds: string[] }[] = [];
    let current: { conds: string[]; def?: Definition; symbol?: string } | undefined;
    let helpIndent: number | 'next' | undefined;
    for (const [n, raw] of lines.entries()) {
      if (helpIndent !== undefined) {
        if (raw.trim() === '') continue;
        if (helpIndent === 'next') helpIndent = indentWidth(raw);
        if (indentWidth(raw) >= helpIndent) continue;
        helpIndent = undefined;
      }
      const line = stripComment(raw).trim();
      if (!line) continue;
      const word = ENTRY.exec(line)?.[1];
      const outer = () => [...inherited, ...stack.flatMap((f) => f.conds)];
      if (word) current = undefined;
      if (word === 'config' || word === 'menuconfig') {
        const symbol = line.split(/\s+/)[1]!;
        const def: Definition = { conditions: outer(), hasPrompt: false, where: `${rel}:${n + 1}` };
        index.definitions.set(symbol, [...(index.definitions.get(symbol) ?? []), def]);
        current = { conds: def.conditions, def, symbol };
      } else if (word === 'menu' || word === 'choice') {
        const frame = { conds: [] as string[] };
        stack.push(frame);
        current = { conds: frame.conds };
      } else if (word === 'if') stack.push({ conds: [line.slice(2).trim()] });
      else if (word === 'endif' || word === 'endmenu' || word === 'endchoice') stack.pop();
      else if (word && word !== 'comment' && word !== 'mainmenu') {
        const path = /"([^"]+)"/.exec(line)?.[1]?.replaceAll('$(SRCARCH)', srcArch);
        if (!path || path.includes('$(')) continue;
        await parse(word.startsWith('r') || word === 'orsource' ? join(dirname(rel), path) : path, outer());
      } else if (current) {
        if (line === 'help' || line === '---help---') helpIndent = 'next';
        else if (line.startsWith('depends on ') || line.startsWith('visible if ')) current.conds.push(line.replace(/^(depends on|visible if)\s+/, ''));
        else if (/^(bool|tristate|string|int|hex|prompt)\s+"/.test(line) && current.def) current.def.hasPrompt = true;
        else if (line.startsWith('select ') && current.symbol) {
          const target = line.split(/\s+/)[1]!;
          index.selectedBy.set(target, [...(index.selectedBy.get(target) ?? []), current.symbol]);
        }
      }
    }
  };
  await parse('Kconfig', []);
  return index;
}

type Tri = 0 | 1 | 2;

/** Evaluates a Kconfig expression on final values: y=2, m=1, n=0; comparisons of strings or numbers. */
export function evaluate(expr: string, values: ConfigValues): Tri {
  const tokens = expr.match(/"[^"]*"|'[^']*'|&&|\|\||!=|<=|>=|[!()=<>]|[A-Za-z0-9_.-]+/g) ?? [];
  let pos = 0;
  const unquote = (v: string): string => (/^["'].*["']$/.test(v) ? v.slice(1, -1) : v);
  // Upper-case words are symbols (.config keeps strings quoted); y/m/n, numbers and quoted text are constants.
  const raw = (tok: string): string => (/^[A-Z0-9_]+$/.test(tok) && !/^\d+$/.test(tok) ? unquote(values.get(tok) ?? 'n') : unquote(tok));
  const tri = (v: string): Tri => (v === 'y' ? 2 : v === 'm' ? 1 : 0);
  const primary = (): Tri => {
    const tok = tokens[pos++] ?? 'n';
    if (tok === '!') return (2 - primary()) as Tri;
    if (tok === '(') {
      const v = or();
      pos++;
      return v;
    }
    const op = tokens[pos];
    if (op && ['=', '!=', '<', '>', '<=', '>='].includes(op)) {
      pos++;
      const [a, b] = [raw(tok), raw(tokens[pos++] ?? '')];
      const [na, nb] = [Number(a), Number(b)];
      const cmp = Number.isFinite(na) && Number.isFinite(nb) && a !== '' && b !== '' ? na - nb : tri(a) - tri(b) || a.localeCompare(b);
      const r = { '=': cmp === 0, '!=': cmp !== 0, '<': cmp < 0, '>': cmp > 0, '<=': cmp <= 0, '>=': cmp >= 0 }[op];
      return r ? 2 : 0;
    }
    return tri(raw(tok));
  };
  const and = (): Tri => {
    let v = primary();
    while (tokens[pos] === '&&') {
      pos++;
      v = Math.min(v, primary()) as Tri;
    }
    return v;
  };
  const or = (): Tri => {
    let v = and();
    while (tokens[pos] === '||') {
      pos++;
      v = Math.max(v, and()) as Tri;
    }
    return v;
  };
  return or();
}

/** "A && (B || C)" → "A [=y] && (B [=n] || C [=n])", the way Kconfig's own help shows values. */
function annotate(expr: string, values: ConfigValues): string {
  return expr.replace(/\b([A-Z][A-Z0-9_]*)\b/g, (s) => (s === 'y' || s === 'm' || s === 'n' ? s : `${s} [=${values.get(s) ?? 'n'}]`));
}

/** Splits an expression on top-level "&&" so each unmet part can be named alone. */
function conjuncts(expr: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < expr.length; i++) {
    if (expr[i] === '(') depth++;
    else if (expr[i] === ')') depth--;
    else if (depth === 0 && expr.startsWith('&&', i)) {
      parts.push(expr.slice(start, i).trim());
      start = i + 2;
    }
  }
  parts.push(expr.slice(start).trim());
  return parts.filter(Boolean);
}

/** One reason per problem symbol: the unmet dependencies, the options that select it, or why Kconfig cannot say. */
export function reasonFor(index: KconfigIndex, p: ConfigProblem, values: ConfigValues): string {
  const defs = index.definitions.get(p.symbol);
  if (!defs) return 'no such option in this tree\'s Kconfig';
  if (p.requested === 'n') {
    const by = (index.selectedBy.get(p.symbol) ?? []).filter((s) => (values.get(s) ?? 'n') !== 'n');
    return by.length ? `selected by ${by.map((s) => `${s} [=${values.get(s)}]`).join(', ')}` : 'set by its default';
  }
  // Conditions calling Kconfig macros ($(cc-option,...)) cannot be evaluated from .config alone.
  const unmet = [...new Set(defs.flatMap((d) => d.conditions.flatMap(conjuncts)))].filter((c) => !c.includes('$(') && evaluate(c, values) === 0);
  if (unmet.length) return `unmet dependency: ${unmet.map((c) => annotate(c, values)).join(' && ')}`;
  if (!defs.some((d) => d.hasPrompt)) return 'it has no prompt: only a `select` or its default sets it';
  return `dependencies met; see ${defs.map((d) => d.where).join(', ')}`;
}

export async function explainMissing(srcTree: string, problems: ConfigProblem[], values: ConfigValues): Promise<Map<string, string>> {
  const index = await indexKconfig(srcTree);
  return new Map(problems.map((p) => [p.symbol, reasonFor(index, p, values)]));
}
