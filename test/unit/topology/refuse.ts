// Test helper: a minimal accepted topology and a check that a refusal names file, field, value and accepted text.
import type { ExecutionContext } from 'ava';
import { stringify } from 'yaml';
import { HarnessError } from '../../../harness/common/errors.ts';
import { parseTopology } from '../../../harness/topology/load.ts';

// Helpers for topology refusal tests: a minimal accepted topology file, and a check that parseTopology's error names
// the file, the field, the value and what is accepted.

export const FILE = 'lab/topo.yaml';

export type Raw = Record<string, any>;

/** One host bridge, one root port, one 256 MiB volatile device, one x1 window: every rule holds. */
export function base(): Raw {
  return {
    name: 'base',
    hostBridges: [{ id: 'cxl.1', busNr: 12, rootPorts: [{ id: 'rp0', port: 0, slot: 2, device: { id: 'mem0', serial: 1, volatileMiB: 256 } }] }],
    windows: [{ targets: ['cxl.1'], sizeMiB: 4096 }],
  };
}

export const parse = (raw: Raw) => parseTopology(stringify(raw), FILE);

/**
 * The first issue is in the message as "<file>: <field>: <value as JSON> is not accepted; <accepted>"; `accepted`
 * lists facts the accepted text must state (hand-computed limits, the conflicting field), not its wording.
 */
export function refuses(t: ExecutionContext, raw: Raw, field: string, value: string, accepted: (string | RegExp)[]): HarnessError {
  const e = t.throws(() => parse(raw), { instanceOf: HarnessError })!;
  t.is(e.stage, 'input');
  t.is(e.exitCode, 2);
  const prefix = `${FILE}: ${field}: ${value} is not accepted; `;
  t.true(e.message.startsWith(prefix), `message: ${e.message}\nexpected to start: ${prefix}`);
  const rest = e.message.slice(prefix.length);
  for (const a of accepted) {
    if (typeof a === 'string') t.true(rest.includes(a), `accepted text "${rest}" should mention ${a}`);
    else t.regex(rest, a);
  }
  return e;
}
