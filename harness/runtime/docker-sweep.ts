// Start-up sweep: removes the containers of harness runs whose process is gone (killed with SIGKILL, machine crash), and only those.
import type Docker from 'dockerode';
import { currentOwner, isLeftover, LABEL, processStart, type Owner } from './docker-owner.ts';

/** Removes leftovers; returns their names. Containers of live runs, other hosts and other pid namespaces are left alone. */
export async function sweepLeftovers(docker: Docker, log: (line: string) => void, here: Owner = currentOwner()): Promise<string[]> {
  const listed = await docker.listContainers({ all: true, filters: { label: [LABEL.run] } });
  const leftovers = listed.filter((c) => isLeftover(c.Labels ?? {}, here, processStart));
  const names = leftovers.map((c) => (c.Names[0] ?? c.Id).replace(/^\//, ''));
  await Promise.all(leftovers.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  if (names.length) log(`removed ${names.length} container(s) left by harness runs that are gone: ${names.join(', ')}`);
  return names;
}
