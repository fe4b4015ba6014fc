// Containers the harness labelled, by run or all of them: what the Docker tests check is gone.
import Docker from 'dockerode';
import { LABEL } from '../../harness/runtime/docker-owner.ts';

export async function containersOfRun(runId: string): Promise<string[]> {
  const list = await new Docker().listContainers({ all: true, filters: { label: [`${LABEL.run}=${runId}`] } });
  return list.map((c) => (c.Names[0] ?? c.Id).replace(/^\//, ''));
}

export async function harnessContainers(): Promise<string[]> {
  const list = await new Docker().listContainers({ all: true, filters: { label: [LABEL.run] } });
  return list.map((c) => (c.Names[0] ?? c.Id).replace(/^\//, ''));
}
