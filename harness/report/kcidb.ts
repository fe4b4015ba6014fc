// RunReport → KCIDB I/O data (schema v4.2): a checkout and a build per kernel, a test per scenario variant × topology.
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { HarnessError } from '../common/errors.ts';
import { failureLines, failureOf, testSeconds } from './describe.ts';
import type { KernelReport, RunReport, TestReport, Verdict } from './types.ts';

/** 4.2 introduced MISS; nothing emitted here needs a later minor. */
const KCIDB_VERSION = { major: 4, minor: 2 } as const;
const ORIGIN = 'cxl_harness';
/** KCIDB's limit on every log_excerpt. */
const EXCERPT_MAX = 16384;

export type KcidbStatus = 'FAIL' | 'ERROR' | 'MISS' | 'PASS' | 'DONE' | 'SKIP';

/**
 * KCIDB splits blame over three layers: code (the kernel), test (here: the scenario and its reference model) and
 * harness (QEMU, SSH, this program). A model gap means the test could not judge the kernel: ERROR, the test's
 * maintainer is responsible. A harness error means the harness could not run the test to the end: MISS, the CI's
 * maintainer is responsible. n/a is KCIDB's "not applicable": SKIP.
 */
const STATUS: Record<Verdict, KcidbStatus> = { pass: 'PASS', fail: 'FAIL', gap: 'ERROR', error: 'MISS', 'n/a': 'SKIP' };

interface KcidbObject {
  id: string;
  origin: string;
  comment: string;
  misc: object;
}
export interface KcidbCheckout extends KcidbObject {
  tree_name?: string;
  patchset_hash: string;
  valid?: boolean;
}
export interface KcidbBuild extends KcidbObject {
  checkout_id: string;
  architecture: string;
  compiler?: string;
  config_name?: string;
  valid?: boolean;
  log_excerpt?: string;
}
export interface KcidbTest extends KcidbObject {
  build_id: string;
  path: string;
  environment: { comment: string };
  status: KcidbStatus;
  duration: number;
  log_excerpt?: string;
}
export interface KcidbData {
  version: typeof KCIDB_VERSION;
  checkouts: KcidbCheckout[];
  builds: KcidbBuild[];
  tests: KcidbTest[];
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const excerpt = (s: string) => Array.from(s).slice(0, EXCERPT_MAX).join('');

/** KCIDB's patchset hash: sha256 over each patch's sha256 hex, newline-terminated, in order of application; '' without patches. */
function patchsetHash(patchHashes: string[]): string {
  return patchHashes.length ? sha256(patchHashes.map((h) => `${h}\n`).join('')) : '';
}

function treeName(k: KernelReport): string | undefined {
  if (k.spec.startsWith('debian:') || k.source?.base.startsWith('src:debian:')) return 'debian';
  return k.source ? basename(k.source.base) : undefined;
}

function checkout(k: KernelReport): KcidbCheckout {
  const s = k.source;
  const patchset = patchsetHash(s?.series.map((p) => p.sha256) ?? []);
  const packages = k.packages.map((p) => `${p.name}=${p.version}`).join(', ');
  // What was checked out: a base tree and a series, or (for packaged and prebuilt kernels) the binary as delivered.
  const content = s ? ['source', s.base, s.baseVersion, patchset] : ['binary', k.spec, k.release, packages];
  const tree = treeName(k);
  const n = s?.series.length ?? 0;
  return {
    id: `${ORIGIN}:${sha256(content.join('\0'))}`,
    origin: ORIGIN,
    ...(tree ? { tree_name: tree } : {}),
    patchset_hash: patchset,
    comment: s ? `${s.base} ${s.baseVersion}${n ? ` + ${n} patch${n === 1 ? '' : 'es'}` : ''}` : `${k.spec}${packages ? ` (${packages})` : ''}`,
    // A kernel error may come from any stage (download, apply, build); only its absence says the checkout worked.
    ...(k.error === undefined ? { valid: true } : {}),
    misc: { patches: s?.series.map(({ number, subject, author }) => ({ number, subject, author })) ?? [] },
  };
}

function build(k: KernelReport, checkoutId: string): KcidbBuild {
  const s = k.source;
  const config = s ? s.configHash : k.packages.map((p) => `${p.name}=${p.version}`).join(',');
  const configName = s ? `cxl-harness ${s.configHash}` : k.spec.startsWith('debian:') ? 'debian' : undefined;
  return {
    id: `${ORIGIN}:${sha256(`${checkoutId}\0${config}`)}`,
    checkout_id: checkoutId,
    origin: ORIGIN,
    architecture: 'x86_64',
    ...(s ? { compiler: s.compiler } : {}),
    ...(configName ? { config_name: configName } : {}),
    comment: k.release ? `${k.spec}: ${k.release}` : k.spec,
    ...(k.error === undefined ? { valid: true } : { log_excerpt: excerpt(k.error) }),
    misc: { spec: k.spec, release: k.release },
  };
}

/** "cxl_harness.<scenario>.<variant>" in KCIDB's path alphabet: each name keeps letters, digits, "_" and "-". */
export function testPath(t: Pick<TestReport, 'scenario' | 'variant'>): string {
  const part = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, '_');
  return `${ORIGIN}.${part(t.scenario)}.${part(t.variant)}`;
}

function test(t: TestReport, buildId: string, startedAt: string): KcidbTest {
  const f = failureOf(t);
  const lines = f ? failureLines(f) : t.reason !== undefined ? [t.reason] : [];
  return {
    // One run of one test: the same test in another run is another KCIDB test.
    id: `${ORIGIN}:${sha256(`${startedAt}\0${t.id}`)}`,
    build_id: buildId,
    origin: ORIGIN,
    path: testPath(t),
    environment: { comment: t.topology },
    status: STATUS[t.verdict],
    comment: t.id,
    duration: testSeconds(t),
    ...(lines.length ? { log_excerpt: excerpt(lines.join('\n')) } : {}),
    misc: { verdict: t.verdict, artifacts: t.artifacts },
  };
}

function unique<T extends { id: string }>(items: T[]): T[] {
  return [...new Map(items.map((i) => [i.id, i])).values()];
}

export function toKcidb(r: RunReport): KcidbData {
  const checkouts = r.kernels.map(checkout);
  const builds = r.kernels.map((k, i) => build(k, checkouts[i]!.id));
  const buildOf = new Map(r.kernels.map((k, i) => [k.spec, builds[i]!.id]));
  return {
    version: KCIDB_VERSION,
    checkouts: unique(checkouts),
    builds: unique(builds),
    tests: r.tests.map((t) => {
      const buildId = buildOf.get(t.kernel);
      if (!buildId) throw new HarnessError(`test ${t.id} names kernel ${t.kernel}, which the report does not list`, { stage: 'report' });
      return test(t, buildId, r.startedAt);
    }),
  };
}
