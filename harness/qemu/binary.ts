// Finds qemu-system-x86_64 and checks it can emulate volatile CXL Type-3 memory (QEMU >= 8.0 with cxl-type3 volatile-memdev).
import { execa } from 'execa';

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

export async function probeQemu(binary = QEMU): Promise<QemuProbe> {
  const v = await execa(binary, ['--version'], { reject: false });
  if (v.failed && v.exitCode === undefined) return { ok: false, problem: `${binary} is not installed` };
  const version = parseQemuVersion(v.stdout);
  if (!version) return { ok: false, problem: `${binary} --version printed no version: ${v.stdout.split('\n')[0] ?? ''}` };
  const text = version.join('.');
  if (version[0] < 8) return { ok: false, version: text, problem: `${binary} is ${text}; CXL volatile memory (cxl-type3 volatile-memdev) needs QEMU >= 8.0` };
  const props = await execa(binary, ['-device', 'cxl-type3,help'], { reject: false });
  if (!/volatile-memdev/.test(props.stdout + props.stderr)) {
    return { ok: false, version: text, problem: `${binary} ${text} has no cxl-type3 device with volatile-memdev (built without CXL support?)` };
  }
  return { ok: true, version: text };
}
