// A harness-like process for the Docker cleanup tests: an idle QEMU container, then it leaves as argv[2] says.
//
// "sigint" closes the runtime on SIGINT (as the run command does), "exit" calls process.exit with the container
// running, "hang" waits to be killed. It prints "ready" once its container runs.
import Docker from 'dockerode';
import { QEMU } from '../../harness/qemu/binary.ts';
import { LABEL } from '../../harness/runtime/docker-owner.ts';
import { DockerRuntime } from '../../harness/runtime/docker.ts';
import { cxlMachineArgv, freeLoopbackPort } from './docker-qemu.ts';

const [mode, runId] = process.argv.slice(2) as ['sigint' | 'exit' | 'hang', string];
const runtime = await DockerRuntime.open(() => {}, { runId });
const proc = runtime.spawn(QEMU, cxlMachineArgv({ port: await freeLoopbackPort() }));
proc.stdout.resume();
proc.stderr.resume();
const docker = new Docker();
for (let i = 0; i < 100; i++) {
  const running = await docker.listContainers({ filters: { label: [`${LABEL.run}=${runId}`], status: ['running'] } });
  if (running.length) break;
  await new Promise((r) => setTimeout(r, 100));
}
if (mode === 'sigint') {
  process.once('SIGINT', () => {
    void runtime.close().then(() => process.exit(130));
  });
}
process.stdout.write('ready\n');
if (mode === 'exit') process.exit(3);
setInterval(() => {}, 1000);
