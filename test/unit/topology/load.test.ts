// Resolving --topology: every preset loads and matches the shape topologies.md describes; files, names and errors.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { stringify } from 'yaml';
import { projectPath } from '../../../harness/common/project.ts';
import { HarnessError } from '../../../harness/common/errors.ts';
import { loadTopologies, presetNames, topologyHash } from '../../../harness/topology/load.ts';
import type { Topology } from '../../../harness/topology/types.ts';

const fixtures = fileURLToPath(new URL('../../fixtures/topology/', import.meta.url));
/** The presets topologies.md's shapes map to (A hb2, B switch2, C rp2, D pmem, E switch4, F hb2x2, G sw2x2) and two more. */
const DOCUMENTED = ['default', 'hb2', 'hb2x2', 'mixed', 'pmem', 'rp2', 'sw2x2', 'switch2', 'switch4'];
const files = (await readdir(projectPath('harness/topology/presets'))).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5)).sort();

const one = async (ref: string): Promise<Topology> => {
  const [l, ...rest] = await loadTopologies(ref);
  if (!l || rest.length) throw new Error(`${ref}: expected one topology`);
  return l.topology;
};
/** The shape in topologies.md's terms: per host bridge its bus and, per root port, the device serials below it. */
const shape = (t: Topology) =>
  t.hostBridges.map((hb) => ({ bus: hb.busNr, rps: hb.rootPorts.map((rp) => (rp.switch ? rp.switch.downstreamPorts.map((d) => d.device?.serial) : [rp.device?.serial])) }));
const windows = (t: Topology) => t.windows.map((w) => ({ buses: w.targets.map((id) => t.hostBridges.find((h) => h.id === id)!.busNr), sizeMiB: w.sizeMiB, granularity: w.granularity }));

test('presetNames lists the preset files, sorted, the documented shapes among them', async (t) => {
  t.deepEqual(await presetNames(), files);
  for (const p of DOCUMENTED) t.true(files.includes(p), p);
});

test('"all" loads every preset, each named after its file', async (t) => {
  const all = await loadTopologies('all');
  t.deepEqual(all.map((l) => l.topology.name), files);
  for (const l of all) {
    t.true(l.file.endsWith(`harness/topology/presets/${l.topology.name}.yaml`), l.file);
    t.regex(l.hash, /^[0-9a-f]{16}$/);
  }
  t.is(new Set(all.map((l) => l.hash)).size, files.length, 'different machines, different hashes');
});

// topologies.md: A = 2 host bridges (bus 12, 222), 1 RP + 1 device each, one window 2-way 4k.
test('hb2 is topology A', async (t) => {
  const h = await one('hb2');
  t.deepEqual(shape(h), [{ bus: 12, rps: [[1]] }, { bus: 222, rps: [[2]] }]);
  t.deepEqual(windows(h), [{ buses: [12, 222], sizeMiB: 4096, granularity: 4096 }]);
});

// B = 1 HB, 1 RP, a switch with 2 downstream ports, 2 devices, x1 window.
test('switch2 is topology B, with the switch mailbox CCI', async (t) => {
  const s = await one('switch2');
  t.deepEqual(shape(s), [{ bus: 12, rps: [[1, 2]] }]);
  t.deepEqual(windows(s), [{ buses: [12], sizeMiB: 4096, granularity: 256 }]);
  t.true(s.hostBridges[0]!.rootPorts[0]!.switch!.mailboxCci);
});

// C = 1 HB, 2 RPs, 1 device each, x1 window.
test('rp2 is topology C', async (t) => {
  const r = await one('rp2');
  t.deepEqual(shape(r), [{ bus: 12, rps: [[1], [2]] }]);
  t.deepEqual(r.hostBridges[0]!.rootPorts.map((rp) => rp.port), [0, 1]);
});

// D = 1 HB, 1 RP, 1 persistent device with a label storage area.
test('pmem is topology D', async (t) => {
  const p = await one('pmem');
  t.deepEqual(shape(p), [{ bus: 12, rps: [[1]] }]);
  const d = p.hostBridges[0]!.rootPorts[0]!.device!;
  t.deepEqual([d.volatileMiB, d.persistentMiB, d.lsaMiB > 0], [0, 256, true]);
});

// E = 1 HB, 1 RP, a switch with 4 downstream ports, 4 devices.
test('switch4 is topology E', async (t) => {
  const e = await one('switch4');
  t.deepEqual(shape(e), [{ bus: 12, rps: [[1, 2, 3, 4]] }]);
  t.deepEqual(e.hostBridges[0]!.rootPorts[0]!.switch!.downstreamPorts.map((d) => d.port), [0, 1, 2, 3]);
});

// F = 2 HBs × 2 RPs, 4 devices; window0 2-way 4k + window1 x1 on the first host bridge.
test('hb2x2 is topology F', async (t) => {
  const f = await one('hb2x2');
  t.deepEqual(shape(f), [{ bus: 12, rps: [[1], [2]] }, { bus: 222, rps: [[3], [4]] }]);
  t.deepEqual(windows(f), [
    { buses: [12, 222], sizeMiB: 4096, granularity: 4096 },
    { buses: [12], sizeMiB: 4096, granularity: 256 },
  ]);
});

test('default and mixed', async (t) => {
  t.deepEqual(shape(await one('default')), [{ bus: 12, rps: [[1]] }]);
  const m = await one('mixed');
  t.deepEqual(shape(m), [{ bus: 12, rps: [[1]] }, { bus: 222, rps: [[2]] }]);
  t.deepEqual(windows(m).map((w) => w.buses), [[12], [222]]);
  const [ram, pmem] = m.hostBridges.map((hb) => hb.rootPorts[0]!.device!);
  t.deepEqual([ram!.volatileMiB, ram!.persistentMiB, pmem!.volatileMiB, pmem!.persistentMiB], [256, 0, 0, 256]);
});

// G = 1 HB, 2 RPs, a switch under each with 2 devices (sn 1, 2 under rp0; 3, 4 under rp1), x1 window.
test('sw2x2 is topology G', async (t) => {
  const g = await one('sw2x2');
  t.deepEqual(shape(g), [{ bus: 12, rps: [[1, 2], [3, 4]] }]);
  t.deepEqual(windows(g), [{ buses: [12], sizeMiB: 4096, granularity: 256 }]);
});

test('a file path loads the file (the G fixture: two switches under two root ports)', async (t) => {
  const g = await one(join(fixtures, 'g-two-switches.yaml'));
  t.deepEqual(shape(g), [{ bus: 12, rps: [[1, 2], [3, 4]] }]);
  const two = await one(join(fixtures, 'two-way.yaml'));
  t.deepEqual(shape(two), [{ bus: 12, rps: [[1]] }, { bus: 222, rps: [[2]] }]);
});

test('a name that is no preset and no path is refused with the presets listed', async (t) => {
  const e = await t.throwsAsync(loadTopologies('nosuch'), { instanceOf: HarnessError });
  t.true(e!.message.includes('"nosuch"'));
  for (const p of files) t.true(e!.message.includes(p));
});

test('a missing file, a YAML syntax error (with its line) and a schema error each name the file', async (t) => {
  const missing = join(fixtures, 'nope.yaml');
  const e1 = await t.throwsAsync(loadTopologies(missing), { instanceOf: HarnessError });
  t.true(e1!.message.startsWith(`${missing}: cannot read topology file (ENOENT)`), e1!.message);
  const bad = join(fixtures, 'bad-syntax.yaml');
  const e2 = await t.throwsAsync(loadTopologies(bad), { instanceOf: HarnessError });
  t.regex(e2!.message, new RegExp(`^${bad.replace(/[.]/g, '\\.')}:\\d+: YAML syntax error`));
  const vol = join(fixtures, 'bad-volatile.yaml');
  const e3 = await t.throwsAsync(loadTopologies(vol), { instanceOf: HarnessError });
  t.true(e3!.message.startsWith(`${vol}: hostBridges[0].rootPorts[1].device.volatileMiB: 384 is not accepted; `), e3!.message);
});

/** The same data with every object's keys in reverse order; lsaMiB 0 (no label area) is left out, as files say it. */
const reversed = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(reversed)
    : v && typeof v === 'object'
      ? Object.fromEntries(Object.entries(v).reverse().filter(([k, x]) => !(k === 'lsaMiB' && x === 0)).map(([k, x]) => [k, reversed(x)]))
      : v;

test('the hash depends on the machine, not on the file: each preset rewritten in another style hashes the same', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cxl-topo-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const preset of await loadTopologies('all')) {
    // Every default spelled out (the normalised topology), keys reversed, flow style, a comment.
    const path = join(dir, `${preset.topology.name}.yaml`);
    await writeFile(path, `# ${preset.topology.name}, restyled\n${stringify(reversed(preset.topology), { collectionStyle: 'flow' })}`);
    const [copy] = await loadTopologies(path);
    t.is(copy!.hash, preset.hash, preset.topology.name);
    t.is(topologyHash(copy!.topology), preset.hash);
  }
  const [rp2] = await loadTopologies('rp2');
  const other = structuredClone(rp2!.topology);
  other.hostBridges[0]!.rootPorts[1]!.slot = 4;
  t.not(topologyHash(other), rp2!.hash);
});
