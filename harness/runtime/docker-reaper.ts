// Entry of the detached reaper: removes the named containers after the harness process has exited (see reapAtExit in docker.ts).
import Docker from 'dockerode';

const names = process.argv.slice(2);
const docker = new Docker();
await Promise.all(names.map((n) => docker.getContainer(n).remove({ force: true }).catch(() => undefined)));
