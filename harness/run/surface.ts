// What a series adds to the ABI that nothing tests: the guest's drivers and device attributes (images/guest/libexec/
// surface), with and without the series, against what the scenario steps read, wrote or bound.
import type { GuestSession } from '../guest/session.ts';
import type { TestReport } from '../report/types.ts';

const SURFACE = '/usr/libexec/cxl-harness/surface';

export async function readSurface(guest: GuestSession): Promise<string[]> {
  return (await guest.exec(SURFACE)).stdout.split('\n').filter(Boolean);
}

/** A device's type as the surface names it: its name without the instance number (dax devices are "dax"). */
export function deviceType(bus: 'cxl' | 'dax', name: string): string {
  return bus === 'dax' ? 'dax' : name.replace(/[0-9].*$/, '');
}

/** Surface entries a step touched: the attribute it read or wrote, the driver it bound or unbound. */
export function touched(tests: TestReport[]): Set<string> {
  const out = new Set<string>();
  for (const t of tests) {
    for (const s of t.steps) {
      const a = s.action;
      if (!a) continue;
      if (a.kind === 'bind' || a.kind === 'unbind') out.add(`driver\t${a.bus}/${a.driver}`);
      if (a.kind === 'write' || a.kind === 'read' || a.kind === 'poll' || a.kind === 'requires') {
        const dev = /^\/sys\/bus\/(cxl|dax)\/devices\/([^/]+)\/(.+)$/.exec(a.path);
        if (dev) out.add(`attr\t${deviceType(dev[1] as 'cxl' | 'dax', dev[2]!)}:${dev[3]}`);
        const drv = /^\/sys\/bus\/(cxl|dax)\/drivers\/([^/]+)\/(new_id|remove_id|bind|unbind)$/.exec(a.path);
        if (drv) out.add(`driver\t${drv[1]}/${drv[2]}`);
      }
    }
  }
  return out;
}

export interface SurfaceDiff {
  added: string[];
  removed: string[];
  /** Added entries no step touched. */
  untested: string[];
}

export function diffSurface(base: string[], head: string[], tested: Set<string>): SurfaceDiff {
  const b = new Set(base);
  const h = new Set(head);
  const added = [...h].filter((x) => !b.has(x)).sort();
  return { added, removed: [...b].filter((x) => !h.has(x)).sort(), untested: added.filter((x) => !tested.has(x)) };
}
