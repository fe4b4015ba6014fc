// GuestSession.connect gives up as the run does: an interrupted run is reported as interrupted, not as a guest
// that never answered.
import { createServer } from 'node:net';
import test from 'ava';
import { EXIT } from '../../../harness/common/errors.ts';
import { GuestSession } from '../../../harness/guest/session.ts';
import { newRunKey } from '../../../harness/guest/keys.ts';

test('an abort while waiting for the SSH session is an interruption', async (t) => {
  // A port that accepts and never speaks SSH: each attempt waits for its banner.
  const server = createServer((sock) => t.teardown(() => sock.destroy()));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const port = (server.address() as { port: number }).port;
  const abort = new AbortController();
  setTimeout(() => abort.abort(), 300);
  const t0 = Date.now();
  const err = await t.throwsAsync(GuestSession.connect({ port, privateKey: newRunKey().privateKey, hostKey: 'ssh-ed25519 AAAA', timeoutMs: 1500, signal: abort.signal }));
  t.is(err?.message, 'interrupted');
  t.is((err as { exitCode?: number }).exitCode, EXIT.interrupted);
  t.true(Date.now() - t0 < 1000, "the attempt in flight stops with the abort");
});
