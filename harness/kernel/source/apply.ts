// Applies the series on a build tree reset to the pristine base, one patch at a time, and names the patch and hunk that fail.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HarnessError } from '../../common/errors.ts';
import { HostRuntime } from '../../runtime/host.ts';
import type { Runtime } from '../../runtime/types.ts';
import { git, gitTry } from './git.ts';
import type { Patch } from './series.ts';

/** The tag every build tree carries on its pristine base commit. */
export const PRISTINE = 'cxl-harness-pristine';

export interface ApplyFailure {
  file?: string;
  /** 'hunk 2 of 3, "@@ -120,7 +120,9 @@ static int foo(void)"' when the tool named a line that starts a hunk. */
  hunk?: string;
  /** The tool's own error lines. */
  message: string[];
}

/** Reads git am/apply output: which file and hunk failed, and the tool's error lines. */
export function describeApplyFailure(patch: Patch, output: string): ApplyFailure {
  const lines = output.split('\n').map((l) => l.trimEnd());
  const message = lines.filter((l) => /^(3-way: )?(error|fatal|CONFLICT)/.test(l)).slice(0, 12);
  const at = lines.map((l) => /^error: patch failed: (.+):(\d+)$/.exec(l)).find(Boolean);
  if (at) {
    const [file, line] = [at[1]!, Number(at[2])];
    const h = patch.hunks.find((x) => x.file === file && x.oldStart === line);
    return { file, hunk: h ? `hunk ${h.index} of ${h.count}, "${h.header}"` : `the hunk at line ${line}`, message };
  }
  const named = lines
    .map((l) => l.replace(/^3-way: /, ''))
    .map((l) => /^CONFLICT \([^)]*\): Merge conflict in (.+)$/.exec(l) ?? /^error: (.+?): (?:does not exist in index|No such file or directory|already exists in (?:index|working directory)|patch does not apply)$/.exec(l))
    .find(Boolean);
  return { ...(named ? { file: named[1]! } : {}), message: message.length ? message : lines.filter(Boolean).slice(-8) };
}

/** Puts the tree back on the pristine base: no series, no stray files (build output lives in a separate folder). */
export async function resetTree(tree: string, runtime: Runtime = new HostRuntime()): Promise<void> {
  await gitTry(tree, ['am', '--abort'], {}, runtime);
  await git(tree, ['reset', '-q', '--hard', PRISTINE], runtime);
  await git(tree, ['clean', '-q', '-fdx'], runtime);
}

/**
 * Plain `git am` first: only it names the failing file and line. Then `git am --3way`, which merges context drift when the
 * patch's blob ids exist in the base (as they do for patches made against the same release).
 */
async function applyOne(tree: string, patch: Patch, log: (line: string) => void, runtime: Runtime): Promise<{ ok: boolean; output: string }> {
  const file = join(tree, '.git', 'cxl-harness.patch');
  await writeFile(file, patch.text);
  if (patch.format === 'diff') {
    const r = await gitTry(tree, ['apply', '--index', file], {}, runtime);
    if (r.exitCode !== 0) return { ok: false, output: String(r.all ?? '') };
    await git(tree, ['commit', '-q', '-m', patch.subject], runtime);
    return { ok: true, output: '' };
  }
  const plain = await gitTry(tree, ['am', '--quiet', file], {}, runtime);
  if (plain.exitCode === 0) return { ok: true, output: '' };
  await gitTry(tree, ['am', '--abort'], {}, runtime);
  const merged = await gitTry(tree, ['am', '--3way', file], {}, runtime);
  if (merged.exitCode === 0) {
    log(`  [${patch.number}] needed a 3-way merge`);
    return { ok: true, output: '' };
  }
  const tried = String(merged.all ?? '').split('\n').filter((l) => /^(error|CONFLICT)/.test(l)).map((l) => `3-way: ${l}`);
  return { ok: false, output: [String(plain.all ?? ''), ...tried].join('\n') };
}

/** Applies `patches` in order on a reset tree; a patch that does not apply is exit 3, and the tree is reset again. */
export async function applySeries(tree: string, patches: Patch[], log: (line: string) => void, runtime: Runtime = new HostRuntime()): Promise<void> {
  await resetTree(tree, runtime);
  for (const [i, patch] of patches.entries()) {
    log(`applying [${patch.number}] ${patch.subject}`);
    const r = await applyOne(tree, patch, log, runtime);
    if (r.ok) continue;
    const f = describeApplyFailure(patch, r.output);
    await resetTree(tree, runtime);
    throw new HarnessError(`series does not apply: patch ${patch.number} "${patch.subject}" fails${f.file ? ` in ${f.file}` : ''}`, {
      stage: 'kernel',
      exitCode: 3,
      details: [
        `patch ${patch.number}: "${patch.subject}" by ${patch.author} (${patch.file})`,
        ...(f.file ? [`file: ${f.file}${f.hunk ? `, ${f.hunk}` : ''}`] : []),
        ...f.message.map((m) => `git: ${m}`),
        i ? `applied before it: ${patches.slice(0, i).map((p) => `${p.number} "${p.subject}"`).join(', ')}` : 'no patch applied before it',
      ],
    });
  }
}
