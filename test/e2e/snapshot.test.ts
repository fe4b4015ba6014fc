// Post-boot snapshots on real QEMU: save, power off, restore twice; each restore is the post-boot guest.
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { troubleIn } from '../../harness/qemu/console.ts';
import { startState } from '../../harness/run/enumerate.ts';
import { compareFingerprints, readFingerprint } from '../../harness/snapshot/guest.ts';
import { decodeMeta, encodeMeta, FILES } from '../../harness/snapshot/meta.ts';
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
      t.log(`restore ${round}: ${JSON.stringify(r.timings)} ms; attach log ${r.attachLog.length} lines; uptime ${r.uptime.saved} s at save, ${r.uptime.restored} s after restore`);
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
      // No kernel complaint since (the boot step cleared the log; the attach logs PCI and CXL lines, then clears).
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

test.serial('a restored guest that is not the saved one is refused: the entry is marked unusable and the guest boots instead', async (t) => {
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
  // The saved fingerprint now claims a state no restored guest shows.
  const entry = b.cache.dir(booted.snapshotKey);
  const meta = decodeMeta(await readFile(join(entry, FILES.meta), 'utf8'));
  meta.fingerprint.state += 'memory/auto_online_blocks\tonline\n';
  await writeFile(join(entry, FILES.meta), encodeMeta(meta));
  const again = await b.start(topology, [], 'after');
  try {
    t.is(again.start, 'boot');
    t.true(b.log.some((l) => l.includes('restore failed, booting instead: the restored guest differs from the snapshot')), b.log.join('\n'));
    const unusable = JSON.parse(await readFile(join(entry, FILES.unusable), 'utf8')) as { reasons: string[] };
    t.true(unusable.reasons.includes('state: only saved: memory/auto_online_blocks\tonline'), unusable.reasons.join('\n'));
  } finally {
    await powerOff(again);
  }
  assertAllGone(t, b);
});
