// `cxl-harness topology list|show`: the presets, and one topology's tree and exact QEMU command as a runnable script.
import { join } from 'node:path';
import { inputError } from '../common/errors.ts';
import { buildGuestImage } from '../image/build.ts';
import { obtainKernel } from '../kernel/fetch.ts';
import { parseKernelSpec } from '../kernel/spec.ts';
import { showCommand } from '../run/show.ts';
import { loadTopologies, presetNames } from '../topology/load.ts';
import { topologyTree } from '../topology/tree.ts';
import { parseOptions } from './options.ts';
import type { Command } from './types.ts';

const USAGE = `usage: cxl-harness topology list
       cxl-harness topology show NAME|FILE [--kernel SPEC] [--append PARAM]... [--dir DIR]
  show prints the tree and the QEMU command the boot would run, as a script with real paths: the kernel and guest
  image (fetched or built as for run, default debian:7.2), the backing files' folder and an SSH key in DIR
  (default ./artifacts/topology-NAME).`;

async function main(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseOptions(argv, { kernel: { type: 'string', default: 'debian:7.2' }, append: { type: 'string', multiple: true }, dir: { type: 'string' } } as const, USAGE);
  const [sub, ref, ...extra] = positionals;
  if (sub === 'list' && !ref) {
    for (const name of await presetNames()) {
      const [t] = await loadTopologies(name);
      process.stdout.write(`${name.padEnd(10)} ${t!.topology.description ?? ''}\n`);
    }
    return 0;
  }
  if (sub !== 'show' || !ref || extra.length) throw inputError('command line', 'topology', positionals.join(' '), `"list", or "show NAME|FILE"\n${USAGE}`);
  const topologies = await loadTopologies(ref);
  const spec = parseKernelSpec(v.kernel);
  const log = (l: string) => process.stderr.write(`${l}\n`);
  const kernel = await obtainKernel(spec, { artifactsDir: 'artifacts', log });
  const image = await buildGuestImage(kernel);
  for (const { topology } of topologies) {
    const dir = v.dir ?? join('artifacts', `topology-${topology.name}`);
    process.stdout.write(`${topologyTree(topology)}\n\n${await showCommand(kernel, image, topology, v.append ?? [], topologies.length > 1 ? join(dir, topology.name) : dir)}\n`);
  }
  return 0;
}

export const topologyCommand: Command = { name: 'topology', summary: 'list the presets; show a topology and its exact QEMU command', usage: USAGE, main };
