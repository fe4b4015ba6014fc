// Post-boot snapshots on real QEMU: save, power off, restore twice; each restore is the post-boot guest.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { troubleIn } from '../../harness/qemu/console.ts';
import { startState } from '../../harness/run/enumerate.ts';
import { compareFingerprints, readFingerprint } from '../../harness/snapshot/guest.ts';
import { FILES } from '../../harness/snapshot/meta.ts';
import { restoreGuest, UnfaithfulRestore } from '../../harness/snapshot/restore.ts';
import { diskUse, formatBytes } from '../../harness/snapshot/sparse.ts';
import { loadTopologies } from '../../harness/topology/load.ts';
import { assertAllGone, powerOff, snapshotBench } from './snapshot-guest.ts';

const SNAPSHOT = '/usr/libexec/cxl-harness/snapshot';

test.serial('a restored guest is the post-boot guest, twice, and starts in a fraction of a boot', async (t) => {
  const b = await snapshotBench();
  const [def] = await loadTopologies('default');
  const topology = def!.topology;
  t.teardown(async () => {
    t.log(b.log.join('\n'));
    await b.cleanup();
  });

  // Boot and the boot step, as the group runner does, then save.
  const booted = await b.start(topology, [], 'boot');
  let restored: Awaited<ReturnType<typeof b.start>> | undefined;
  try {
    t.is(booted.start, 'boot');
    const start = await startState(booted, topology, [], 1);
    t.true(start.record.pass, JSON.stringify(start.record.findings));
    const before = (await booted.guest.exec(SNAPSHOT)).stdout;
    const devices = (await booted.guest.exec('ls /sys/bus/cxl/devices')).stdout;
    const t0 = Date.now();
    const meta = await booted.saveSnapshot({ names: start.names });
    const saveWall = Date.now() - t0;
    t.truthy(meta, b.log.join('\n'));
    const entry = b.cache.dir(booted.snapshotKey);
    const size = await diskUse(entry);
    t.log(`save: ${meta!.saveMs} ms VM paused (${meta!.migrateMs} ms migration), ${saveWall} ms in all; ${formatBytes(size.allocated)} on disk, ${formatBytes(size.apparent)} apparent (stream ${formatBytes(meta!.stateBytes)})`);
    t.is((await stat(join(entry, FILES.key))).mode & 0o777, 0o600);
    t.is((await readFile(join(entry, FILES.key), 'utf8')).trim(), booted.key.privateKey.trim());
    t.true(meta!.backing.every((f) => f.allocated < f.apparent), 'backing files are stored sparse');
    // The saved VM was resumed and goes on.
    t.is((await booted.guest.exec(SNAPSHOT)).stdout, before);
    await booted.shutdown();

    for (const round of [1, 2]) {
      restored = await b.start(topology, [], `restore-${round}`);
      t.is(restored.start, 'snapshot', b.log.join('\n'));
      const r = restored.restore!;
      t.log(`restore ${round}: ${JSON.stringify(r.timings)} ms; re-probed: ${r.reprobed}; uptime ${r.uptime.saved} s at save, ${r.uptime.restored} s after restore`);
      // The same state the harness observes, the same devices, the same PCI headers and graph as at the save.
      t.is((await restored.guest.exec(SNAPSHOT)).stdout, before);
      t.is((await restored.guest.exec('ls /sys/bus/cxl/devices')).stdout, devices);
      t.deepEqual(compareFingerprints(meta!.fingerprint, (await readFingerprint(restored.guest)).fingerprint), []);
      // The guest's clock went on from the save: no jump back, no jump by the time the snapshot sat on disk.
      t.true(r.uptime.restored >= r.uptime.saved && r.uptime.restored < r.uptime.saved + 10, JSON.stringify(r.uptime));
      // Wall clock set to the host's; only dropbear's listener and this session's process are left.
      const [epoch = '', dropbears = ''] = (await restored.guest.exec('date +%s; pidof dropbear | wc -w')).stdout.trim().split('\n');
      t.true(Math.abs(Number(epoch) - Date.now() / 1000) < 10, `guest date ${epoch}`);
      t.is(dropbears.trim(), '2');
      // No kernel complaint since (the boot step cleared the log; a re-probe logs PCI and CXL lines, then clears).
      const dmesg = (await restored.guest.exec('dmesg')).stdout.split('\n');
      t.deepEqual(dmesg.filter((l) => troubleIn(l)), []);
      t.deepEqual(restored.extra, { names: start.names });
      // The goal: a scenario can start 1 s after the restore began; restore-to-ready against a boot's boot-to-ready.
      t.log(`restore-to-ready ${r.timings.totalMs} ms against boot-to-SSH ${booted.timings.bootMs + booted.timings.sshMs} ms (+ the boot step ${start.record.ms} ms)`);
      t.true(r.timings.totalMs < booted.timings.bootMs + booted.timings.sshMs, 'a restore is faster than a boot');
      await restored.shutdown();
      restored = undefined;
    }
  } finally {
    await powerOff(booted, restored);
  }
  assertAllGone(t, b);
});

test.serial('QEMU 10.0.2 does not migrate the CXL devices: without the re-probe the restore is refused, naming them', async (t) => {
  const b = await snapshotBench();
  t.teardown(() => b.cleanup());
  const [def] = await loadTopologies('default');
  const topology = def!.topology;
  const booted = await b.start(topology, [], 'boot');
  try {
    await startState(booted, topology, [], 1);
    t.truthy(await booted.saveSnapshot());
  } finally {
    await powerOff(booted);
  }
  const hit = await b.cache.lookup(booted.snapshotKey);
  const err = await t.throwsAsync(
    restoreGuest({ runtime: b.runtime, snapshotDir: hit!.dir, meta: hit!.meta, topology, kernel: b.kernel, image: b.image, dir: join(b.dir, 'never'), repair: 'never' }),
    { instanceOf: UnfaithfulRestore },
  );
  t.log(err.format());
  // The root port lost its bus numbers and windows: the Type-3 device behind it does not answer at all.
  t.true(err.details.some((d) => /^pci 0000:0d:00\.0: config space reads all ones/.test(d)), err.details.join('\n'));
  t.true(err.details.some((d) => /^pci 0000:0c:00\.0: config header differs at .*0x18 0x19 0x1a/.test(d)), err.details.join('\n'));
  // The restoring QEMU was stopped by the failed restore; with the boot's, none is left.
  assertAllGone(t, b);
});
