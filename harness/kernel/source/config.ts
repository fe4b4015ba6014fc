// Kernel configuration: the harness's fragment plus the user's, resolved on allnoconfig + olddefconfig, then checked option by option.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HarnessError } from '../../common/errors.ts';
import { projectPath } from '../../common/project.ts';
import { HostRuntime } from '../../runtime/host.ts';
import type { Runtime } from '../../runtime/types.ts';
import { kbuildArgs, kbuildEnv } from './kbuild.ts';
import { explainMissing } from './kconfig-deps.ts';

/** Requested values by symbol name without CONFIG_: "y", "m", "n", a number or a quoted string. */
export type ConfigValues = Map<string, string>;

export interface Fragment {
  file: string;
  text: string;
}

export interface ConfigProblem {
  symbol: string;
  requested: string;
  /** "n" also when the option is absent from .config (its dependencies hide it). */
  actual: string;
  /** What Kconfig says stands in the way, when it can be told. */
  reason?: string;
}

export function harnessFragmentPath(): string {
  return projectPath('images/kernel/harness.config');
}

export async function readFragment(file: string): Promise<Fragment> {
  const text = await readFile(file, 'utf8').catch((err: unknown) => {
    throw new HarnessError(`${file}: cannot read the config fragment`, { stage: 'input', cause: err });
  });
  parseConfig(text, file);
  return { file, text };
}

/** Parses .config syntax; with `file`, any other line is an input error naming the file and line. */
export function parseConfig(text: string, file?: string): ConfigValues {
  const values: ConfigValues = new Map();
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    const set = /^CONFIG_([A-Za-z0-9_]+)=(.*)$/.exec(line);
    const unset = /^# CONFIG_([A-Za-z0-9_]+) is not set$/.exec(line);
    if (set) values.set(set[1]!, set[2]!);
    else if (unset) values.set(unset[1]!, 'n');
    else if (file && line !== '' && !line.startsWith('#')) {
      throw new HarnessError(`${file}:${i + 1}: "${line}" is not a config line`, {
        stage: 'input',
        details: ['accepted: CONFIG_NAME=value, "# CONFIG_NAME is not set", comments and blank lines'],
      });
    }
  }
  return values;
}

/** The requested options (later fragments win) that the final .config does not have as asked. */
export function verifyConfig(requested: ConfigValues, finalText: string): ConfigProblem[] {
  const final = parseConfig(finalText);
  const modules = final.get('MODULES') === 'y';
  const problems: ConfigProblem[] = [];
  for (const [symbol, want] of requested) {
    const actual = final.get(symbol) ?? 'n';
    // Without module support a tristate asked as "m" is built in, which is what the harness wants anyway.
    const ok = actual === want || (want === 'm' && actual === 'y' && !modules);
    if (!ok) problems.push({ symbol, requested: want, actual });
  }
  return problems;
}

export function formatProblem(p: ConfigProblem): string {
  return `CONFIG_${p.symbol}=${p.requested} did not survive (final: ${p.actual})${p.reason ? `: ${p.reason}` : ''}`;
}

function requestedValues(fragments: Fragment[]): ConfigValues {
  const all: ConfigValues = new Map();
  for (const f of fragments) for (const [k, v] of parseConfig(f.text)) all.set(k, v);
  return all;
}

async function make(src: string, out: string, args: string[], runtime: Runtime): Promise<void> {
  const all: string[] = [];
  const r = await runtime.run('make', ['-s', ...kbuildArgs(src, out), ...args], { env: kbuildEnv(), onLine: (line) => all.push(line) });
  if (r.exitCode !== 0) {
    throw new HarnessError(`make ${args.join(' ')} failed`, { stage: 'kernel', details: all.slice(-12) });
  }
}

/**
 * Resolves the fragments on allnoconfig in `out`, then olddefconfig, and checks every requested option (exit 2 listing
 * those that did not survive). `.config` is replaced only when it changes, so an unchanged config costs no rebuild.
 * `inputs` identifies everything the result depends on besides the base: when the tree's last configuration had the
 * same, Kconfig is not run again (it takes seconds). Returns the final .config text.
 */
export async function configure(
  src: string,
  out: string,
  fragments: Fragment[],
  inputs: string,
  log: (line: string) => void,
  runtime: Runtime = new HostRuntime(),
): Promise<string> {
  const stamp = join(out, '.cxl-harness-config-inputs');
  const [last, current] = await Promise.all([readFile(stamp, 'utf8').catch(() => ''), readFile(join(out, '.config'), 'utf8').catch(() => undefined)]);
  if (last === inputs && current !== undefined) {
    log('config: unchanged since this tree was last configured');
    return current;
  }
  log(`configuring: allnoconfig + ${fragments.map((f) => f.file).join(' + ')}, olddefconfig, then checking every requested option`);
  const requested = requestedValues(fragments);
  if (requested.get('MODULES') === 'y') {
    throw new HarnessError('CONFIG_MODULES=y is not supported: the harness builds one bzImage and its guest loads no modules', {
      stage: 'input',
      details: ['ask for the drivers you need as =y (built in)', `requested: ${fragments.map((f) => f.file).join(', ')}`],
    });
  }
  const merged = join(out, '.cxl-harness-requested.config');
  await writeFile(merged, fragments.map((f) => `# ${f.file}\n${f.text}\n`).join(''));
  const candidate = '.config.cxl-harness';
  await make(src, out, [`KCONFIG_CONFIG=${candidate}`, `KCONFIG_ALLCONFIG=${merged}`, 'allnoconfig'], runtime);
  await make(src, out, [`KCONFIG_CONFIG=${candidate}`, 'olddefconfig'], runtime);
  const text = await readFile(join(out, candidate), 'utf8');
  const problems = verifyConfig(requested, text);
  if (problems.length) {
    const reasons = await explainMissing(src, problems, parseConfig(text));
    throw new HarnessError(`${problems.length} requested config option(s) did not survive olddefconfig`, {
      stage: 'kernel',
      details: [...problems.map((p) => formatProblem({ ...p, ...(reasons.get(p.symbol) ? { reason: reasons.get(p.symbol)! } : {}) })), `requested: ${fragments.map((f) => f.file).join(', ')}`],
    });
  }
  if (current !== text) await rename(join(out, candidate), join(out, '.config'));
  await writeFile(stamp, inputs);
  return text;
}
