// Pulls the compiler's and linker's errors out of a kbuild log, as "file:line: message (in function)".

export interface CompileError {
  file: string;
  line?: number;
  message: string;
  /** The function gcc or ld named just before the error. */
  function?: string;
}

const QUOTED = /[`'‘](.+?)['’]/.source;

/** `prefixes` are stripped from file names (the source tree's absolute path), so errors read as in the kernel tree. */
export function compileErrors(log: string, prefixes: string[] = []): CompileError[] {
  const rel = (f: string) => prefixes.reduce((p, x) => (p.startsWith(`${x}/`) ? p.slice(x.length + 1) : p), f.replace(/^(\.\.\/)+/, ''));
  const errors: CompileError[] = [];
  const seen = new Set<string>();
  const add = (e: CompileError) => {
    const key = `${e.file}:${e.line ?? ''}:${e.message}`;
    if (!seen.has(key)) errors.push(e);
    seen.add(key);
  };
  // gcc says "file: In function 'f':" and ld "ld: obj.o: in function `f':" on the line before their errors.
  let context: { file: string; fn: string } | undefined;
  for (const line of log.split('\n')) {
    const gccFn = new RegExp(`^(\\S+?): In function ${QUOTED}:$`).exec(line);
    const ldFn = new RegExp(`^\\S*ld(?:\\.bfd)?: (\\S+?): in function ${QUOTED}:$`).exec(line);
    if (gccFn ?? ldFn) {
      context = { file: rel((gccFn ?? ldFn)![1]!), fn: (gccFn ?? ldFn)![2]! };
      continue;
    }
    const cc = /^(\S+?):(\d+):(?:\d+:)? (?:fatal )?error: (.*)$/.exec(line);
    if (cc) {
      const file = rel(cc[1]!);
      add({ file, line: Number(cc[2]), message: cc[3]!, ...(context?.file === file ? { function: context.fn } : {}) });
      continue;
    }
    const ld = /^(?:\S*ld(?:\.bfd)?: )?(\S+?):(?:\([^)]*\)|\d+): (undefined reference to .*|multiple definition of .*)$/.exec(line);
    if (ld) {
      // ld names only the source's base name here; the object named by the context line is more useful.
      const file = context && context.file.replace(/\.o$/, '.c').endsWith(ld[1]!) ? context.file : rel(ld[1]!);
      add({ file, message: ld[2]!, ...(context && file === context.file ? { function: context.fn } : {}) });
    }
  }
  if (errors.length) return errors;
  // No compiler message (a tool or a generated file failed): name the targets make gave up on.
  for (const line of log.split('\n')) {
    const mk = /^make\[\d+\]: \*\*\* \[(\S+?):\d+: (\S+)\] Error \d+$/.exec(line);
    if (mk) add({ file: rel(mk[2]!), message: `make target failed (rule in ${rel(mk[1]!)})` });
  }
  return errors;
}

export function formatCompileError(e: CompileError): string {
  return `${e.file}${e.line !== undefined ? `:${e.line}` : ''}: ${e.message}${e.function ? ` (in ${e.function})` : ''}`;
}
