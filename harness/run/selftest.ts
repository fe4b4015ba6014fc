// Runs a kselftest the series under test ships inside the guest: its folder and kselftest's helpers are copied in,
// the script runs with bash, and its KTAP output becomes one verdict per case. A test that cannot run is an error.
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { Parser } from 'tap-parser';
import { HarnessError } from '../common/errors.ts';
import { exists } from '../common/fs.ts';
import { shellWord } from '../common/shell.ts';
import type { GuestSession } from '../guest/session.ts';
import type { SelftestCase } from '../report/types.ts';

const GUEST_ROOT = '/tmp/cxl-harness-selftests';

async function files(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map((f) => join(dir, f));
}

/** Reads KTAP/TAP output with tap-parser: each test point, and a plan that skipped everything. */
export function parseKtap(text: string, suite: string, step: number): { cases: SelftestCase[]; skipAll?: string } {
  const cases: SelftestCase[] = [];
  let skipAll: string | undefined;
  const p = new Parser((final) => {
    if (final.plan.skipAll) skipAll = final.plan.skipReason || 'no reason given';
  });
  p.on('assert', (a: { ok: boolean; id: number; name: string; skip?: string | boolean; todo?: string | boolean; diag?: unknown }) => {
    const status: SelftestCase['status'] = a.skip ? 'skip' : a.todo ? (a.ok ? 'pass' : 'xfail') : a.ok ? 'pass' : 'fail';
    cases.push({ step, suite, number: a.id, name: a.name, status, ...(typeof a.skip === 'string' && a.skip ? { directive: `SKIP ${a.skip}` } : {}) });
  });
  p.end(text.replace(/^KTAP version \d+$/m, 'TAP version 13'));
  return { cases, ...(skipAll ? { skipAll } : {}) };
}

export interface SelftestRun {
  code: number;
  output: string;
  cases: SelftestCase[];
}

/** `tree` holds tools/testing/selftests/… of the kernel under test (kept at build time). */
export async function runSelftest(guest: GuestSession, tree: string | undefined, path: string, env: Record<string, string>, timeoutMs: number, step: number): Promise<SelftestRun> {
  if (!tree) throw new HarnessError(`selftest ${path}: the kernel under test was not built from a tree carrying it (src:… with the series that ships it)`, { stage: 'steps' });
  const script = join(tree, path);
  if (!(await exists(script))) throw new HarnessError(`selftest ${path}: the tree under test has no such file`, { stage: 'steps', details: [`looked in ${tree}`] });
  const dir = dirname(path);
  for (const local of [...(await files(join(tree, dir))), ...(await files(join(tree, 'tools/testing/selftests/kselftest')).catch(() => []))]) {
    const st = await stat(local);
    if (st.isFile()) await guest.put(join(GUEST_ROOT, relative(tree, local)), await readFile(local), st.mode & 0o777);
  }
  const vars = Object.entries(env).map(([k, v]) => `${k}=${shellWord(v)}`).join(' ');
  const r = await guest.exec(`cd ${shellWord(join(GUEST_ROOT, dir))} && env ${vars} bash ./${shellWord(path.split('/').pop()!)} 2>&1`, timeoutMs);
  if (r.code === 127 || /command not found|No such file or directory/.test(r.stdout.split('\n').slice(0, 3).join('\n'))) {
    throw new HarnessError(`selftest ${path} cannot run in the guest (exit ${r.code})`, { stage: 'steps', details: r.stdout.split('\n').slice(-6) });
  }
  const { cases, skipAll } = parseKtap(r.stdout, dir.replace('tools/testing/selftests/', ''), step);
  if (skipAll) throw new HarnessError(`selftest ${path} skipped every case: ${skipAll}`, { stage: 'steps', details: ['a selftest that cannot run is not a pass: give it what it asks for (device, environment)'] });
  return { code: r.code, output: r.stdout, cases };
}
