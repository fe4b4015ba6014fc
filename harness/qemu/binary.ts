// Finds qemu-system-x86_64 and checks it can emulate volatile CXL Type-3 memory (QEMU >= 8.0 with cxl-type3 volatile-memdev).
import { HostRuntime } from '../runtime/host.ts';
import type { Runtime } from '../runtime/types.ts';

export const QEMU = 'qemu-system-x86_64';

export interface QemuProbe {
  ok: boolean;
  version?: string;
  /** What is wrong, precisely, when not ok. */
  problem?: string;
}

export function parseQemuVersion(text: string): [number, number, number] | undefined {
  const m = /QEMU emulator version (\d+)\.(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** Probes the QEMU that `runtime` starts: the host's by default, the harness image's with --runtime docker. */
export async function probeQemu(binary = QEMU, runtime: Runtime = new HostRuntime()): Promise<QemuProbe> {
  const v = await runtime.run(binary, ['--version']);
  if (v.exitCode === -1) return { ok: false, problem: `${binary} is not installed` };
  const version = parseQemuVersion(v.stdout);
  if (!version) return { ok: false, problem: `${binary} --version printed no version: ${v.stdout.split('\n')[0] ?? ''}` };
  const text = version.join('.');
  if (version[0] < 8) return { ok: false, version: text, problem: `${binary} is ${text}; CXL volatile memory (cxl-type3 volatile-memdev) needs QEMU >= 8.0` };
  const props = await runtime.run(binary, ['-device', 'cxl-type3,help']);
  if (!/volatile-memdev/.test(props.stdout + props.stderr)) {
    return { ok: false, version: text, problem: `${binary} ${text} has no cxl-type3 device with volatile-memdev (built without CXL support?)` };
  }
  return { ok: true, version: text };
}
