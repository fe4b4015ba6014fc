// Runs git on the harness's own kernel trees, independent of the user's git configuration.
import { HarnessError } from '../../common/errors.ts';
import { HostRuntime } from '../../runtime/host.ts';
import type { CommandResult, Runtime } from '../../runtime/types.ts';

/** A fixed identity and no user/system config: hooks, signing or aliases of the host must not change what is applied. */
const ENV = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'cxl-harness',
  GIT_AUTHOR_EMAIL: 'cxl-harness@localhost',
  GIT_COMMITTER_NAME: 'cxl-harness',
  GIT_COMMITTER_EMAIL: 'cxl-harness@localhost',
  LC_ALL: 'C',
  // Reading a user's tree (git status) must not rewrite its index.
  GIT_OPTIONAL_LOCKS: '0',
  // A user's tree owned by another account is still readable when the harness runs as root.
  GIT_CONFIG_COUNT: '2',
  GIT_CONFIG_KEY_0: 'safe.directory',
  GIT_CONFIG_VALUE_0: '*',
  // The base commit leaves 80,000 loose objects; an automatic gc would repack them in the background, during the build.
  GIT_CONFIG_KEY_1: 'gc.auto',
  GIT_CONFIG_VALUE_1: '0',
};

/** A git run: its exit code, stdout, stderr, and both interleaved as they came (`all`). */
export interface GitResult extends CommandResult {
  all: string;
}

/**
 * Runs git in `cwd` (through `runtime`, the host by default); returns the result whatever the exit code. `stdin` is a file
 * git reads as its standard input (git mailinfo takes its message nowhere else): a shell opens it, as a Runtime passes none.
 */
export async function gitTry(cwd: string, args: string[], env: Record<string, string> = {}, runtime: Runtime = new HostRuntime(), stdin?: string): Promise<GitResult> {
  const all: string[] = [];
  const [file, argv] = stdin === undefined ? ['git', args] : ['sh', ['-c', 'f=$1; shift; exec git "$@" < "$f"', 'sh', stdin, ...args]];
  const r = await runtime.run(file, argv, { cwd, env: { ...ENV, ...env }, onLine: (line) => all.push(line) });
  return { ...r, all: all.join('\n') };
}

/** Runs git in `cwd` and returns stdout; a failure is an infrastructure error of stage 'kernel'. */
export async function git(cwd: string, args: string[], runtime: Runtime = new HostRuntime()): Promise<string> {
  const r = await gitTry(cwd, args, {}, runtime);
  if (r.exitCode !== 0) {
    throw new HarnessError(`git ${args.join(' ')} failed in ${cwd}`, { stage: 'kernel', details: String(r.all ?? '').split('\n').slice(-8) });
  }
  return String(r.stdout);
}
