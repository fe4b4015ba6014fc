// The container a command runs in, as a pure value: image, argv, environment, labels, network, mounts and user.
import type { ContainerCreateOptions } from 'dockerode';

export interface ContainerRequest {
  name: string;
  image: string;
  file: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** 'host' for QEMU (its hostfwd listens on the host's 127.0.0.1), 'none' for builds. */
  network: 'host' | 'none';
  /** Host folders (or files), each mounted read-write at the same absolute path. */
  mounts: string[];
  labels: Record<string, string>;
  /** "uid:gid" of the harness, so files the container writes belong to whoever runs it. */
  user?: string;
}

export function containerSpec(r: ContainerRequest): ContainerCreateOptions {
  return {
    name: r.name,
    Image: r.image,
    Cmd: [r.file, ...r.args],
    Env: Object.entries(r.env ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(r.cwd ? { WorkingDir: r.cwd } : {}),
    ...(r.user ? { User: r.user } : {}),
    Labels: r.labels,
    // stdin closed as on the host (execa's stdin: 'ignore'); output read through attach, not a log file.
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: false,
    Tty: false,
    HostConfig: {
      NetworkMode: r.network,
      Mounts: r.mounts.map((p) => ({ Type: 'bind', Source: p, Target: p, ReadOnly: false })),
      // A real PID 1 (docker-init) passes signals on and reaps make's children.
      Init: true,
      // Removed by the harness once its exit status is read, never by the engine before.
      AutoRemove: false,
      LogConfig: { Type: 'none', Config: {} },
    },
  };
}

/** Container names: "cxl-harness-<run>-<n>-<role>", unique within a run and readable in `docker ps`. */
export function containerName(runId: string, seq: number, file: string): string {
  return `cxl-harness-${runId}-${seq}-${roleOf(file)}`;
}

/** "qemu-system-x86_64" → "qemu-system-x86_64", "/usr/bin/make" → "make"; only characters Docker names accept. */
export function roleOf(file: string): string {
  return (file.split('/').pop() ?? file).replace(/[^a-zA-Z0-9_.-]/g, '_') || 'cmd';
}
