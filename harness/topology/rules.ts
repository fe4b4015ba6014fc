// What QEMU or the kernel cannot take, checked across fields before anything boots; then defaults become explicit.
import type { TopologyFile } from './schema.ts';
import { WINDOW_WAYS } from './schema.ts';
import type { HostBridge, RootPort, Topology, Type3Device } from './types.ts';

export interface Issue {
  field: string;
  value: unknown;
  accepted: string;
}

/** QEMU's CXL_WINDOW_MAX. */
const MAX_WINDOWS = 10;
const ALL_RESTRICTIONS = ['type2', 'type3', 'volatile', 'persistent'];

type RawDevice = NonNullable<TopologyFile['hostBridges'][number]['rootPorts'][number]['device']>;

/** PCI buses a host bridge takes from its bus_nr up: its own, one per root port, and a switch's upstream and downstream buses. */
export function busesUsed(hb: TopologyFile['hostBridges'][number]): number {
  return 1 + hb.rootPorts.reduce((n, rp) => n + 1 + (rp.switch ? 1 + rp.switch.downstreamPorts.length : 0), 0);
}

export function checkRules(t: TopologyFile): Issue[] {
  const issues: Issue[] = [];
  const issue = (field: string, value: unknown, accepted: string) => issues.push({ field, value, accepted });

  // Every -device id shares one QEMU namespace; pcie.0 is q35's root bus.
  const ids = new Map<string, string>([['pcie.0', "q35's root bus"]]);
  const claimId = (id: string, field: string) => {
    const owner = ids.get(id);
    if (owner) issue(field, id, `an id not used elsewhere in the topology (already used by ${owner})`);
    else ids.set(id, field);
  };
  const slots = new Map<string, string>();
  const claimSlot = (chassis: number, slot: number, field: string) => {
    const owner = slots.get(`${chassis}/${slot}`);
    if (owner) issue(`${field}.slot`, slot, `a (chassis, slot) pair not used by another port (chassis ${chassis} slot ${slot} is used by ${owner})`);
    else slots.set(`${chassis}/${slot}`, field);
  };
  const serials = new Map<number, string>();
  let devices = 0;
  const checkDevice = (d: RawDevice, field: string) => {
    devices++;
    claimId(d.id, `${field}.id`);
    if (d.volatileMiB + d.persistentMiB === 0) issue(`${field}.volatileMiB`, d.volatileMiB, 'a device with capacity: volatileMiB and/or persistentMiB, multiples of 256');
    if (d.persistentMiB > 0 && d.lsaMiB === undefined) issue(`${field}.lsaMiB`, undefined, 'a label storage area size in MiB (e.g. 1) for a device with persistent memory');
    if (d.serial !== undefined) {
      const owner = serials.get(d.serial);
      if (owner) issue(`${field}.serial`, d.serial, `a serial number not used by another device (${owner} has it)`);
      else serials.set(d.serial, field);
    }
  };

  const ranges: { from: number; to: number; field: string }[] = [];
  t.hostBridges.forEach((hb, h) => {
    const at = `hostBridges[${h}]`;
    claimId(hb.id, `${at}.id`);
    const to = hb.busNr + busesUsed(hb) - 1;
    if (to > 255) issue(`${at}.busNr`, hb.busNr, `a bus number that leaves room for the ${busesUsed(hb)} buses this host bridge takes (at most ${256 - busesUsed(hb)})`);
    for (const r of ranges) {
      if (hb.busNr <= r.to && r.from <= to) issue(`${at}.busNr`, hb.busNr, `a bus number whose range ${hb.busNr}–${to} does not overlap ${r.field} (buses ${r.from}–${r.to})`);
    }
    ranges.push({ from: hb.busNr, to, field: `${at}.busNr` });
    const ports = new Map<number, string>();
    hb.rootPorts.forEach((rp, r) => {
      const rpAt = `${at}.rootPorts[${r}]`;
      claimId(rp.id, `${rpAt}.id`);
      const owner = ports.get(rp.port);
      if (owner) issue(`${rpAt}.port`, rp.port, `a port number not used by another root port of ${hb.id} (${owner} has it)`);
      ports.set(rp.port, rpAt);
      claimSlot(rp.chassis, rp.slot, rpAt);
      if (rp.device && rp.switch) issue(`${rpAt}.switch`, rp.switch.id, 'either a device or a switch below a root port, not both');
      if (rp.device) checkDevice(rp.device, `${rpAt}.device`);
      if (rp.switch) {
        const sw = rp.switch;
        claimId(sw.id, `${rpAt}.switch.id`);
        if (sw.mailboxCci) claimId(`${sw.id}-cci`, `${rpAt}.switch.mailboxCci`);
        const dsPorts = new Map<number, string>();
        sw.downstreamPorts.forEach((ds, d) => {
          const dsAt = `${rpAt}.switch.downstreamPorts[${d}]`;
          claimId(ds.id, `${dsAt}.id`);
          const o = dsPorts.get(ds.port);
          if (o) issue(`${dsAt}.port`, ds.port, `a port number not used by another downstream port of ${sw.id} (${o} has it)`);
          dsPorts.set(ds.port, dsAt);
          claimSlot(ds.chassis, ds.slot, dsAt);
          if (ds.device) checkDevice(ds.device, `${dsAt}.device`);
        });
      }
    });
  });
  if (devices === 0) issue('hostBridges', '(no device)', 'at least one Type-3 device below a root port or a switch downstream port');

  if (t.memory.maxMiB <= t.memory.bootMiB) issue('memory.maxMiB', t.memory.maxMiB, `an integer greater than memory.bootMiB (${t.memory.bootMiB})`);
  if (t.windows.length > MAX_WINDOWS) issue('windows', t.windows.length, `at most ${MAX_WINDOWS} windows (QEMU's CXL_WINDOW_MAX)`);
  const hbIds = t.hostBridges.map((hb) => hb.id);
  t.windows.forEach((w, k) => {
    const at = `windows[${k}]`;
    if (!(WINDOW_WAYS as readonly number[]).includes(w.targets.length)) {
      issue(`${at}.targets`, w.targets, `${WINDOW_WAYS.join(', ')} host bridges: the interleave ways QEMU's fixed memory windows accept`);
    }
    w.targets.forEach((id, i) => {
      if (!hbIds.includes(id)) issue(`${at}.targets[${i}]`, id, `one of the host bridge ids: ${hbIds.join(', ')}`);
      else if (w.targets.indexOf(id) !== i) issue(`${at}.targets[${i}]`, id, 'a host bridge not already listed in this window');
    });
    if (w.sizeMiB < 256 * w.targets.length) issue(`${at}.sizeMiB`, w.sizeMiB, `at least ${256 * w.targets.length} (256 MiB per interleaved host bridge)`);
    if (w.restrictions && ALL_RESTRICTIONS.some((r) => !(w.restrictions as string[]).includes(r))) {
      issue(`${at}.restrictions`, w.restrictions, `all of ${ALL_RESTRICTIONS.join(', ')}, or leave it out: QEMU 10 always advertises every restriction bit`);
    }
  });
  return issues;
}

/** The validated file with every default made explicit: serials numbered from 1 in file order where none is given. */
export function normalise(t: TopologyFile): Topology {
  const taken = new Set<number>();
  const all: RawDevice[] = t.hostBridges.flatMap((hb) => hb.rootPorts.flatMap((rp) => [rp.device, ...(rp.switch?.downstreamPorts.map((d) => d.device) ?? [])]).filter((d): d is RawDevice => d !== undefined));
  for (const d of all) if (d.serial !== undefined) taken.add(d.serial);
  let next = 1;
  const device = (d: RawDevice): Type3Device => {
    let serial = d.serial;
    if (serial === undefined) {
      while (taken.has(next)) next++;
      serial = next;
      taken.add(serial);
    }
    return { id: d.id, serial, volatileMiB: d.volatileMiB, persistentMiB: d.persistentMiB, lsaMiB: d.lsaMiB ?? 0 };
  };
  const hostBridges: HostBridge[] = t.hostBridges.map((hb) => ({
    id: hb.id,
    busNr: hb.busNr,
    rootPorts: hb.rootPorts.map((rp): RootPort => ({
      id: rp.id,
      port: rp.port,
      chassis: rp.chassis,
      slot: rp.slot,
      ...(rp.device ? { device: device(rp.device) } : {}),
      ...(rp.switch
        ? {
            switch: {
              id: rp.switch.id,
              mailboxCci: rp.switch.mailboxCci,
              downstreamPorts: rp.switch.downstreamPorts.map((ds) => ({ id: ds.id, port: ds.port, chassis: ds.chassis, slot: ds.slot, ...(ds.device ? { device: device(ds.device) } : {}) })),
            },
          }
        : {}),
    })),
  }));
  return {
    name: t.name,
    ...(t.description ? { description: t.description } : {}),
    cpus: t.cpus,
    memory: t.memory,
    hostBridges,
    windows: t.windows.map((w) => ({ targets: w.targets, sizeMiB: w.sizeMiB, granularity: w.granularity })),
  };
}
