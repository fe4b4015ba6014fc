// The QMP client against a fake QMP server on a unix socket: negotiation, ids, errors, timeouts, events.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { HarnessError } from '../../../harness/common/errors.ts';
import { migrateToFile } from '../../../harness/qemu/migrate.ts';
import { QmpClient } from '../../../harness/qemu/qmp.ts';

interface Fake {
  path: string;
  server: Server;
  /** Commands received, in order (qmp_capabilities included). */
  seen: { execute: string; arguments?: Record<string, unknown>; id?: unknown }[];
  clients: Socket[];
  close(): Promise<void>;
}

type Handler = (cmd: Fake['seen'][number], send: (m: unknown) => void) => void;

const send = (s: Socket) => (m: unknown) => s.write(`${JSON.stringify(m)}\r\n`);

/** A server that greets like QEMU 10.0.2, insists on negotiation first, and hands other commands to `handle`. */
async function fakeQmp(handle: Handler, o: { delayListenMs?: number; greet?: boolean } = {}): Promise<Fake> {
  const dir = await mkdtemp(join(tmpdir(), 'qmp-test-'));
  const path = join(dir, 'qmp.sock');
  const seen: Fake['seen'] = [];
  const clients: Socket[] = [];
  const server = createServer((sock) => {
    clients.push(sock);
    const out = send(sock);
    if (o.greet !== false) out({ QMP: { version: { qemu: { major: 10, minor: 0, micro: 2 }, package: 'Debian 1:10.0.2+ds-2' }, capabilities: ['oob'] } });
    let negotiated = false;
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const cmd = JSON.parse(buf.slice(0, nl)) as Fake['seen'][number];
        buf = buf.slice(nl + 1);
        seen.push(cmd);
        if (cmd.execute === 'qmp_capabilities') {
          negotiated = true;
          out({ return: {}, id: cmd.id });
        } else if (!negotiated) out({ error: { class: 'CommandNotFound', desc: 'Expecting capabilities negotiation with qmp_capabilities' }, id: cmd.id });
        else handle(cmd, out);
      }
    });
    sock.on('error', () => undefined);
  });
  const listen = () => new Promise<void>((r) => server.listen(path, r));
  if (o.delayListenMs) setTimeout(() => void listen(), o.delayListenMs);
  else await listen();
  return {
    path,
    server,
    seen,
    clients,
    close: async () => {
      for (const c of clients) c.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

test('negotiates capabilities, then matches answers to commands by id', async (t) => {
  const fake = await fakeQmp((cmd, out) => {
    // Answer the second command before the first: the client must go by id, not by order.
    if (cmd.execute === 'query-status') setTimeout(() => out({ return: { status: 'running', running: true }, id: cmd.id }), 30);
    else out({ return: { echoed: cmd.arguments }, id: cmd.id });
  });
  t.teardown(() => fake.close());
  const qmp = await QmpClient.connect(fake.path, { timeoutMs: 2000 });
  t.teardown(() => qmp.close());
  t.deepEqual(qmp.version?.qemu, { major: 10, minor: 0, micro: 2 });
  const [status, echo] = await Promise.all([qmp.execute<{ status: string }>('query-status'), qmp.execute('echo', { a: 1 })]);
  t.is(status.status, 'running');
  t.deepEqual(echo, { echoed: { a: 1 } });
  t.is(fake.seen[0]!.execute, 'qmp_capabilities');
  t.deepEqual(fake.seen[2]!.arguments, { a: 1 });
});

test('a QMP error becomes a HarnessError of stage boot naming the command, class and description', async (t) => {
  const fake = await fakeQmp((cmd, out) => out({ error: { class: 'GenericError', desc: 'Migration is disabled' }, id: cmd.id }));
  t.teardown(() => fake.close());
  const qmp = await QmpClient.connect(fake.path, { timeoutMs: 2000 });
  t.teardown(() => qmp.close());
  const err = await t.throwsAsync(qmp.execute('migrate', { uri: 'file:/x' }), { instanceOf: HarnessError });
  t.is(err.stage, 'boot');
  t.is(err.message, 'QMP migrate failed: GenericError: Migration is disabled');
});

test('an error without id (sent before the server could read it) goes to the oldest command', async (t) => {
  const fake = await fakeQmp((_cmd, out) => out({ error: { class: 'GenericError', desc: 'JSON parse error' } }));
  t.teardown(() => fake.close());
  const qmp = await QmpClient.connect(fake.path, { timeoutMs: 2000 });
  t.teardown(() => qmp.close());
  await t.throwsAsync(qmp.execute('anything'), { message: /JSON parse error/ });
});

test('a command without an answer times out; the connection stays usable', async (t) => {
  const fake = await fakeQmp((cmd, out) => {
    if (cmd.execute !== 'hang') out({ return: 42, id: cmd.id });
  });
  t.teardown(() => fake.close());
  const qmp = await QmpClient.connect(fake.path, { timeoutMs: 2000 });
  t.teardown(() => qmp.close());
  await t.throwsAsync(qmp.execute('hang', undefined, 100), { instanceOf: HarnessError, message: 'QMP hang got no answer within 100 ms' });
  t.is(await qmp.execute('query-x'), 42);
});

test('events are kept; waitEvent finds one that came before the wait, and one that comes later', async (t) => {
  const fake = await fakeQmp((cmd, out) => {
    out({ return: {}, id: cmd.id });
    // The event races the answer: it arrives right behind it.
    out({ event: 'MIGRATION', data: { status: 'setup' }, timestamp: { seconds: 1, microseconds: 0 } });
    setTimeout(() => out({ event: 'MIGRATION', data: { status: 'completed' }, timestamp: { seconds: 2, microseconds: 0 } }), 50);
  });
  t.teardown(() => fake.close());
  const qmp = await QmpClient.connect(fake.path, { timeoutMs: 2000 });
  t.teardown(() => qmp.close());
  const since = qmp.events.length;
  await qmp.execute('migrate', { uri: 'file:/x' });
  await new Promise((r) => setTimeout(r, 10));
  const setup = await qmp.waitEvent('MIGRATION', { since, timeoutMs: 1000 });
  t.is(setup.data?.status, 'setup');
  const done = await qmp.waitEvent('MIGRATION', { since, timeoutMs: 1000, match: (e) => e.data?.status === 'completed' });
  t.deepEqual(done.timestamp, { seconds: 2, microseconds: 0 });
  await t.throwsAsync(qmp.waitEvent('SHUTDOWN', { timeoutMs: 50 }), { message: 'no QMP event SHUTDOWN within 50 ms' });
});

test('migrateToFile waits for the end state and reports a failure with QEMU\'s error-desc', async (t) => {
  const fake = await fakeQmp((cmd, out) => {
    if (cmd.execute === 'migrate') {
      out({ return: {}, id: cmd.id });
      setTimeout(() => out({ event: 'MIGRATION', data: { status: 'failed' } }), 20);
    } else if (cmd.execute === 'query-migrate') out({ return: { status: 'failed', 'error-desc': 'Unable to write to file: No space left on device' }, id: cmd.id });
  });
  t.teardown(() => fake.close());
  const qmp = await QmpClient.connect(fake.path, { timeoutMs: 2000 });
  t.teardown(() => qmp.close());
  const err = await t.throwsAsync(migrateToFile(qmp, '/snap/state.mig', 1000), { instanceOf: HarnessError });
  t.is(err.message, 'saving the VM state to /snap/state.mig failed');
  t.deepEqual(err.details, ['qemu: Unable to write to file: No space left on device']);
  t.deepEqual(fake.seen.find((c) => c.execute === 'migrate')?.arguments, { uri: 'file:/snap/state.mig' });
});

test('connect retries until the socket appears (QEMU still starting)', async (t) => {
  const fake = await fakeQmp((cmd, out) => out({ return: {}, id: cmd.id }), { delayListenMs: 150 });
  t.teardown(() => fake.close());
  const qmp = await QmpClient.connect(fake.path, { timeoutMs: 3000 });
  t.teardown(() => qmp.close());
  t.truthy(qmp.version);
});

test('connect gives up when the QEMU behind the socket is gone, and on its timeout', async (t) => {
  const path = join(tmpdir(), `qmp-none-${process.pid}.sock`);
  await t.throwsAsync(QmpClient.connect(path, { timeoutMs: 5000, gone: Promise.resolve() }), { instanceOf: HarnessError, message: /QEMU exited before its QMP socket/ });
  const t0 = Date.now();
  await t.throwsAsync(QmpClient.connect(path, { timeoutMs: 200 }), { message: /no QMP socket accepting at .* within 200 ms/ });
  t.true(Date.now() - t0 < 2000);
});

test('a server that never greets fails the connect; a closed connection rejects pending commands', async (t) => {
  const silent = await fakeQmp(() => undefined, { greet: false });
  t.teardown(() => silent.close());
  await t.throwsAsync(QmpClient.connect(silent.path, { timeoutMs: 300 }), { message: /no QMP greeting/ });

  const fake = await fakeQmp(() => undefined);
  t.teardown(() => fake.close());
  const qmp = await QmpClient.connect(fake.path, { timeoutMs: 2000 });
  const pending = qmp.execute('hang', undefined, 5000);
  for (const c of fake.clients) c.destroy();
  await t.throwsAsync(pending, { instanceOf: HarnessError, message: /QEMU gone\?/ });
  t.true(qmp.closed);
  await t.throwsAsync(qmp.execute('more'), { instanceOf: HarnessError });
});
