// A scenario: what it needs of the topology and kernel, variants (kernel parameters), and its steps. Steps address
// objects by role (`${ep:0}`, `${region}`, …), resolved against the booted guest's names when they run.

export type Errno = string;
/** What a step returned: ok, or the errno name the guest saw. */
export type StepResult = 'ok' | Errno;

export interface Pinned {
  /** Accepted results; a document that only says "fails" is pinned as a set of errnos. */
  result?: StepResult[];
  /** For read steps: the value a document states. */
  value?: string;
}

export type Action =
  | { kind: 'write'; path: string; value: string }
  | { kind: 'read'; path: string }
  | { kind: 'bind' | 'unbind'; bus: 'cxl' | 'dax'; driver: string; device: string }
  /** Writes `state` to every memory block of a region, lowest block first; stops at the first refusal. */
  | { kind: 'blocks'; region: string; state: string }
  /** Waits until `path` reads `value` (or exists, without value); ETIMEDOUT otherwise. */
  | { kind: 'poll'; path: string; value?: string; timeoutMs: number }
  /** A cxl/daxctl/ndctl command line in the guest; result ok or `exit<N>`. */
  | { kind: 'run'; command: string }
  /** Writes tags through the region's host physical addresses and checks where they land in the backing files. */
  | { kind: 'data'; region: string; samples: number }
  /** Runs a kselftest the series under test ships (path in its tree) in the guest; its KTAP cases become verdicts. */
  | { kind: 'selftest'; path: string; env: Record<string, string>; timeoutMs: number }
  /** Starts the same kernel again without a device reset (kexec): the kernel assembles the committed regions itself. */
  | { kind: 'kexec' }
  /** The scenario is not applicable from here on unless the guest has this path (a capability only visible late). */
  | { kind: 'requires'; path: string; capability: string };

export interface Step {
  name: string;
  action: Action;
  pinned?: Pinned;
  /** For `create` steps: read the offered region name from this attribute and write it, binding ${region}. */
  createFrom?: string;
  /** Set by region macros: the window and the devices (by serial) in position order that ${ep:P} and friends mean. */
  context?: RoleContextUpdate;
  /** A create step names its region so later steps can say ${region:NAME}. */
  regionAs?: string;
  /** Makes a named region the current ${region} again (teardown of an earlier region). */
  useRegion?: string;
}

export interface RoleContextUpdate {
  window: number;
  mode: 'ram' | 'pmem';
  order: number[];
}

export interface Variant {
  name: string;
  cmdline: string[];
}

/** What a scenario needs of the topology; elsewhere it is not applicable. */
export interface Needs {
  devices?: number;
  volatile?: number;
  persistent?: number;
  hostBridges?: number;
  switches?: number;
  /** Some window interleaves at least this many host bridges. */
  windowWays?: number;
  /** Window 0 interleaves exactly this many host bridges (for steps whose values depend on it). */
  window0Ways?: number;
  /** Every device with volatile memory has at least this many MiB of it. */
  deviceMiB?: number;
}

export interface Scenario {
  name: string;
  file: string;
  description?: string;
  /** Kernel drivers (cxl or dax bus) it needs; without them it is not applicable. */
  requires: string[];
  /** The series definition it belongs to (scenarios/series/<name>/), which the kernel must carry. */
  series?: string;
  needs: Needs;
  variants: Variant[];
  /** Steps as written, macros included; expanded per topology (scenario/expand.ts). */
  steps: RawStep[];
  /** Files it was read from: the scenario and every include, for bundles. */
  sources: string[];
}

/** A step as the scenario file gives it: a primitive step, or a macro that expands to several. */
export type RawStep =
  /** Without `window`: the first window that reaches a device with capacity of `mode`. */
  | { macro: 'region'; name?: string; as?: string; window?: number; mode: 'ram' | 'pmem'; ways?: number; granularity?: number; sizeMiB?: number; decoder: number; commit: boolean; order?: number[] }
  /** The reverse of the last region macro, in the documented order; `only` picks some of the four stages. */
  | { macro: 'teardown'; name?: string; of?: string; only: ('decommit' | 'detach' | 'free' | 'delete')[] }
  | { macro: 'create'; name?: string; as?: string; window?: number; mode: 'ram' | 'pmem'; pinned?: Pinned }
  | { macro: 'step'; step: Step };
