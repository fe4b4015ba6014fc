// A scenario: a topology, kernel parameters (per variant), and the sysfs steps to drive in the guest.

export type Errno = string;
/** What a step's write returned: ok, or the errno name the guest saw. */
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
  /** A cxl/daxctl command line in the guest; result ok or `exit<N>`. */
  | { kind: 'run'; command: string };

export interface Step {
  name: string;
  action: Action;
  pinned?: Pinned;
}

export interface Variant {
  name: string;
  cmdline: string[];
}

export interface Scenario {
  name: string;
  /** Kernel capabilities (cxl or dax driver names) the scenario needs; without them it is not applicable. */
  requires: string[];
  file: string;
  description?: string;
  /** "default" or a topology file path, resolved against the scenario's folder. */
  topology: string;
  variants: Variant[];
  steps: Step[];
}
