// Checks a parsed topology file against the shape and the rules QEMU and the kernel impose; throws on the first problem.
import { inputError } from '../common/errors.ts';
import type { FixedMemoryWindow, HostBridge, RootPort, Topology, Type3Device } from './types.ts';

type Mapping = Record<string, unknown>;

const ID_PATTERN = /^[A-Za-z][A-Za-z0-9._-]*$/;
const ID_TEXT = 'an id: a letter, then letters, digits, ".", "_" or "-"';
const WAYS = [1, 2, 4, 8, 16];
const GRANULARITIES = [256, 512, 1024, 2048, 4096, 8192, 16384];

export function validateTopology(raw: unknown, file: string): Topology {
  const fail = (field: string, value: unknown, accepted: string): never => {
    throw inputError(file, field, value, value === undefined ? `the key is required: ${accepted}` : accepted);
  };

  const mapping = (value: unknown, field: string, keys: readonly string[]): Mapping => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return fail(field || '(top level)', value, `a mapping with keys: ${keys.join(', ')}`);
    }
    const m = value as Mapping;
    for (const key of Object.keys(m)) {
      if (!keys.includes(key)) fail(field ? `${field}.${key}` : key, m[key], `no such key; allowed keys: ${keys.join(', ')}`);
    }
    return m;
  };

  const int = (value: unknown, field: string, min: number, max = Infinity, accepted?: string): number => {
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
    return fail(field, value, accepted ?? (max === Infinity ? `an integer >= ${min}` : `an integer from ${min} to ${max}`));
  };

  const list = (value: unknown, field: string, accepted: string): unknown[] =>
    Array.isArray(value) ? value : fail(field, value, accepted);

  const mibMultiple = (value: unknown, field: string): number =>
    typeof value === 'number' && Number.isInteger(value) && value > 0 && value % 256 === 0
      ? value
      : fail(field, value, 'a positive multiple of 256 (MiB)');

  // Host bridges, root ports and devices all become QEMU -device ids, which share one namespace; pcie.0 is q35's root bus.
  const idOwners = new Map<string, string>([['pcie.0', "q35's root bus"]]);
  const id = (value: unknown, field: string): string => {
    if (typeof value !== 'string' || !ID_PATTERN.test(value)) return fail(field, value, ID_TEXT);
    const owner = idOwners.get(value);
    if (owner) fail(field, value, `an id not used elsewhere in the topology (already used by ${owner})`);
    idOwners.set(value, field);
    return value;
  };

  const top = mapping(raw, '', ['name', 'cpus', 'memory', 'hostBridges', 'windows']);
  const name = typeof top.name === 'string' && top.name.trim() !== '' ? top.name : fail('name', top.name, 'a non-empty string');
  const cpus = int(top.cpus, 'cpus', 1, 64);
  const mem = mapping(top.memory, 'memory', ['bootMiB', 'maxMiB', 'slots']);
  const bootMiB = int(mem.bootMiB, 'memory.bootMiB', 256);
  const maxMiB = int(mem.maxMiB, 'memory.maxMiB', bootMiB + 1, Infinity, `an integer greater than memory.bootMiB (${bootMiB})`);
  const slots = int(mem.slots, 'memory.slots', 1, 256);

  const rawBridges = list(top.hostBridges, 'hostBridges', 'a list of at least one host bridge');
  if (rawBridges.length === 0) fail('hostBridges', rawBridges, 'a list of at least one host bridge');
  const busNrs = new Map<number, string>();
  const chassisSlots = new Map<string, string>();
  let devices = 0;
  const hostBridges = rawBridges.map((rawHb, h): HostBridge => {
    const at = `hostBridges[${h}]`;
    const hb = mapping(rawHb, at, ['id', 'busNr', 'rootPorts']);
    const hbId = id(hb.id, `${at}.id`);
    const busNr = int(hb.busNr, `${at}.busNr`, 1, 254);
    const busOwner = busNrs.get(busNr);
    if (busOwner) fail(`${at}.busNr`, busNr, `a bus number from 1 to 254 not used elsewhere (already used by ${busOwner})`);
    busNrs.set(busNr, `${at}.busNr`);
    const ports = new Map<number, string>();
    const rawPorts = list(hb.rootPorts, `${at}.rootPorts`, 'a list of root ports');
    const rootPorts = rawPorts.map((rawRp, r): RootPort => {
      const rpAt = `${at}.rootPorts[${r}]`;
      const rp = mapping(rawRp, rpAt, ['id', 'port', 'chassis', 'slot', 'device']);
      const rpId = id(rp.id, `${rpAt}.id`);
      const port = int(rp.port, `${rpAt}.port`, 0, 255);
      const portOwner = ports.get(port);
      if (portOwner) fail(`${rpAt}.port`, port, `a port number from 0 to 255 not used elsewhere on ${hbId} (already used by ${portOwner})`);
      ports.set(port, `${rpAt}.port`);
      const chassis = int(rp.chassis, `${rpAt}.chassis`, 0, 255);
      const slot = int(rp.slot, `${rpAt}.slot`, 0, 255);
      const pairOwner = chassisSlots.get(`${chassis}/${slot}`);
      if (pairOwner) fail(`${rpAt}.slot`, slot, `a (chassis, slot) pair not used elsewhere (chassis ${chassis} slot ${slot} already used by ${pairOwner})`);
      chassisSlots.set(`${chassis}/${slot}`, rpAt);
      const result: RootPort = { id: rpId, port, chassis, slot };
      if (rp.device !== undefined) {
        const dev = mapping(rp.device, `${rpAt}.device`, ['id', 'volatileMiB']);
        const device: Type3Device = { id: id(dev.id, `${rpAt}.device.id`), volatileMiB: mibMultiple(dev.volatileMiB, `${rpAt}.device.volatileMiB`) };
        result.device = device;
        devices++;
      }
      return result;
    });
    return { id: hbId, busNr, rootPorts };
  });
  if (devices === 0) {
    fail('hostBridges[*].rootPorts[*].device', [], 'at least one Type-3 device in total, e.g. device: { id: cxl-vmem0, volatileMiB: 256 }');
  }

  const hbIds = hostBridges.map((hb) => hb.id);
  const rawWindows = list(top.windows, 'windows', 'a list of at least one fixed memory window');
  if (rawWindows.length === 0) fail('windows', rawWindows, 'a list of at least one fixed memory window');
  const windows = rawWindows.map((rawW, w): FixedMemoryWindow => {
    const at = `windows[${w}]`;
    const win = mapping(rawW, at, ['targets', 'sizeMiB', 'granularity']);
    const waysText = `a list of ${WAYS.join(', ')} host bridge ids (one of: ${hbIds.join(', ')})`;
    const rawTargets = list(win.targets, `${at}.targets`, waysText);
    if (!WAYS.includes(rawTargets.length)) fail(`${at}.targets`, rawTargets, waysText);
    const targets = rawTargets.map((t, i): string => {
      if (typeof t !== 'string' || !hbIds.includes(t)) return fail(`${at}.targets[${i}]`, t, `one of: ${hbIds.join(', ')}`);
      if (rawTargets.indexOf(t) !== i) fail(`${at}.targets[${i}]`, t, `a host bridge id not already listed in this window's targets`);
      return t;
    });
    const sizeMiB = mibMultiple(win.sizeMiB, `${at}.sizeMiB`);
    if (sizeMiB < 256 * targets.length) {
      fail(`${at}.sizeMiB`, sizeMiB, `a multiple of 256 (MiB) of at least ${256 * targets.length} (256 MiB per target)`);
    }
    const result: FixedMemoryWindow = { targets, sizeMiB };
    if (win.granularity !== undefined) {
      if (!GRANULARITIES.includes(win.granularity as number)) fail(`${at}.granularity`, win.granularity, `one of: ${GRANULARITIES.join(', ')} (bytes)`);
      result.granularity = win.granularity as number;
    }
    return result;
  });

  return { name, cpus, memory: { bootMiB, maxMiB, slots }, hostBridges, windows };
}
