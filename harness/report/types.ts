// What a run reports (schema version 1, described by harness/report/report.schema.json): one test per
// scenario variant × kernel × topology, per step expected beside observed, the boots, and the stage timings.
import type { Finding } from '../diff/diff.ts';
import type { SourceInfo } from '../kernel/source/build.ts';
import type { Action, StepResult } from '../scenario/types.ts';

export const REPORT_SCHEMA_VERSION = 1;

/**
 * pass: every step agreed with the model (known version differences allowed);
 * fail: the kernel disagreed with the model, or WARNed/oopsed/panicked;
 * gap: a step the model has no prediction for (never a pass);
 * error: the harness or its infrastructure broke (QEMU crash, SSH lost, timeout not caused by the kernel);
 * n/a: the kernel or the topology lacks what the scenario needs.
 */
export type Verdict = 'pass' | 'fail' | 'gap' | 'error' | 'n/a';

/**
 * How one step ended. `known`: differs from the model exactly as a recorded kernel-version difference says;
 * `mismatch`: the kernel refused (or did otherwise than) what the documentation lists; `undocumented`: the
 * documentation does not decide, the kernel's behaviour is recorded.
 */
export type StepOutcome = 'pass' | 'fail' | 'gap' | 'known' | 'mismatch' | 'undocumented';

/** Where an expectation comes from: a document (quoted) or code (a function named). */
export interface FactRef {
  id: string;
  source: 'documented' | 'code';
  /** The document line quoted, or the kernel function named. */
  where: string;
}

export interface KnownDifference {
  /** Id of the version fact, e.g. "target-mode-none-errno". */
  fact: string;
  /** Kernel version range the difference holds for, e.g. "< 7.0". */
  range: string;
  expected: string;
  observed: string;
  evidence: string;
}

export interface StepRecord {
  index: number;
  name: string;
  action?: Action;
  expected: {
    result?: StepResult[];
    value?: string;
    source: 'model' | 'pinned';
    /** Why the model cannot predict, when it cannot. */
    gap?: string;
    facts?: FactRef[];
  };
  observed: { result?: StepResult; value?: string; message?: string };
  /** State differences that are new at this step. */
  findings: Finding[];
  /** Differences that first appeared at an earlier step and are still there: shown once, not failed again. */
  carried?: { since: number; count: number };
  /** Kernel WARNING/BUG/Oops/panic lines logged while the step ran. */
  trouble: string[];
  dmesg: string[];
  ms: number;
  outcome: StepOutcome;
  known?: KnownDifference[];
  /** Documentation finding: what the document says and what the kernel did. */
  doc?: { says: string; did: string; where: string };
  pass: boolean;
}

/** One kselftest case run inside the guest by a `selftest` step, from its TAP/KTAP output. */
export interface SelftestCase {
  step: number;
  suite: string;
  number: number;
  name: string;
  status: 'pass' | 'fail' | 'skip' | 'xfail' | 'error';
  directive?: string;
  diagnostic?: string[];
}

export interface TestReport {
  /** Stable across runs and shards: "<kernel spec>/<topology>/<scenario>[<variant>]". */
  id: string;
  kernel: string;
  topology: string;
  scenario: string;
  variant: string;
  file: string;
  cmdline: string;
  verdict: Verdict;
  error?: string;
  /** Why the scenario is not applicable. */
  reason?: string;
  /** The first step that did not pass, with its new differences and kernel trouble. */
  firstFailure?: { step: number; name: string; findings: Finding[]; trouble: string[]; expected?: StepResult[]; observed?: StepResult };
  /** Distinct causes: one per step that failed on differences new at that step. */
  rootCauses: number;
  /** State differences the scenario left behind that made the next scenario boot afresh. */
  leftChanged?: Finding[];
  /** Which boot of the run it ran on (1-based). */
  boot?: number;
  steps: StepRecord[];
  selftests?: SelftestCase[];
  timings: { bootMs?: number; sshMs?: number; restoreMs?: number; stepsMs?: number; teardownMs?: number };
  artifacts: string;
  /** The reproduction bundle written for this test, and its size. */
  bundle?: { path: string; bytes: number };
  /** Why the bundle could not be written (the verdict stands). */
  bundleError?: string;
  /**
   * run --bisect-series, on a test the series regressed: the first patch that brings the regression. index is its
   * 1-based position in the series as applied (base + 1..index regresses, base + 1..index-1 does not).
   */
  firstBadPatch?: {
    index: number;
    subject: string;
    /** When prefixes in between could not be judged (no build, or the test errored): each patch that may be the first bad one. */
    candidates?: number[];
  };
}

export interface KernelCapabilities {
  release: string;
  cxlDrivers: string[];
  daxDrivers: string[];
  /** sysfs attributes the series under test may add, found on this kernel (e.g. "dax/state"). */
  attributes: string[];
  blockSizeBytes: string;
  hypervisorVisible: boolean;
}

export interface KernelReport {
  spec: string;
  release: string;
  packages: { name: string; version: string; sha256?: string }[];
  source?: SourceInfo;
  capabilities?: KernelCapabilities;
  image?: { key: string; packages: { name: string; version: string }[]; modules: string[] };
  timings: { kernelMs?: number; imageMs?: number };
  error?: string;
  /** Drivers ("driver\tbus/name") and device attributes ("attr\ttype:attribute") its guests showed during the run. */
  surface?: string[];
}

export interface TopologyReport {
  name: string;
  file?: string;
  /** sha256 of the normalised topology: the same hash means the same emulated machine. */
  hash: string;
}

export interface BootReport {
  index: number;
  kernel: string;
  topology: string;
  cmdline: string;
  /** How the guest came up: a cold boot, or a restored post-boot snapshot. */
  start: 'boot' | 'snapshot';
  bootMs?: number;
  sshMs?: number;
  /** A restore: from the moment the guest was needed to a ready guest. */
  restoreMs?: number;
  /** A restore prepared ahead (QEMU started, state loaded) while an earlier scenario ran: that time, not in restoreMs. */
  restorePreparedMs?: number;
  /** The enumerated-graph check after boot. */
  graph?: { pass: boolean; findings: Finding[] };
  /** Earlier attempts QEMU crashed before the guest was ready (error text), each followed by a new boot. */
  qemuCrashes?: string[];
  artifacts: string;
}

export interface RunReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  harness: { version: string };
  verdict: Verdict;
  /** The process exit code this report maps to (README "Exit codes"). */
  exitCode: number;
  startedAt: string;
  qemu?: string;
  /** With --shard i/N: which part of the matrix this report holds. */
  shard?: { index: number; count: number };
  kernels: KernelReport[];
  topologies: TopologyReport[];
  tests: TestReport[];
  boots: BootReport[];
  timings: { provisionMs?: number; totalMs: number };
  artifacts: string;
  error?: string;
  /** run --baseline: base kernel against base + series, and what the series added that no step touched. */
  baseline?: {
    base: string;
    head: string;
    regressed: boolean;
    tests: { id: string; change: 'regressed' | 'fixed' | 'changed errno' | 'still failing' | 'new' | 'gone' | 'unchanged'; base?: Verdict; head?: Verdict; detail?: string }[];
    surface: { added: string[]; removed: string[]; untested: string[] };
    /** run --bisect-series: each prefix of the series built and run (only the regressed tests), in the order tried. */
    bisect?: {
      /** base + the first `patches` patches. */
      patches: number;
      kernel: string;
      kernelMs: number;
      tests: { id: string; verdict: Verdict; change: 'regressed' | 'fixed' | 'changed errno' | 'still failing' | 'new' | 'gone' | 'unchanged' }[];
      /** Why this prefix could not be judged (it did not build). */
      error?: string;
    }[];
  };
}
