// One line per action, as the console table, reports and model gaps name a step.
import type { Action } from './types.ts';

const short = (p: string) => p.replace('/sys/bus/cxl/devices/', '').replace('/sys/bus/dax/devices/', '');

export function describeAction(a: Action): string {
  switch (a.kind) {
    case 'write':
      return `${a.value === '' ? '""' : a.value} > ${short(a.path)}`;
    case 'read':
      return `read ${short(a.path)}`;
    case 'bind':
    case 'unbind':
      return `${a.kind} ${a.device} ${a.kind === 'bind' ? 'to' : 'from'} ${a.driver}`;
    case 'blocks':
      return `${a.state} > ${a.region} memory blocks`;
    case 'poll':
      return `wait for ${short(a.path)}${a.value !== undefined ? ` = ${a.value}` : ''}`;
    case 'run':
      return a.command;
    case 'data':
      return `${a.samples} tags through ${a.region}'s HPA land where the interleave puts them`;
    case 'selftest':
      return `selftest ${a.path}${Object.keys(a.env).length ? ` (${Object.entries(a.env).map(([k, v]) => `${k}=${v}`).join(' ')})` : ''}`;
    case 'kexec':
      return 'kexec into the same kernel, devices not reset';
    case 'requires':
      return `requires ${a.capability}`;
  }
}
