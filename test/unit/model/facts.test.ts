// The fact registry: documented errnos per fact, every fact the model names exists, refuse/accept, duplicate ids.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { accept, allFacts, fact, refuse, registerFacts } from '../../../harness/model/facts.ts';
import { definitions } from '../../../harness/model/series/registry.ts';
import { projectPath } from '../../../harness/common/project.ts';

// The fact registry: the errnos topologies.md and cxl-sysfs-model.md state, fact by fact; every fact the model's code
// and the series definitions name exists; refuse/accept and duplicate registration.

definitions(); // registers the series' facts

// errno per fact, from the documents: topologies.md's errno table, the brief's sysfs observations, §0–§4 of the model.
const DOCUMENTED: [string, string][] = [
  ['sysfs.read-only', 'EACCES'],
  ['sysfs.no-such-attribute', 'EACCES'],
  ['sysfs.no-such-device', 'ENOENT'],
  ['bind.no-match', 'ENODEV'],
  ['bind.already-bound', 'EBUSY'],
  ['unbind.not-bound', 'ENODEV'],
  ['create.name-format', 'EINVAL'],
  ['create.id-mismatch', 'EBUSY'],
  ['delete.name-format', 'EINVAL'],
  ['delete.no-such-region', 'ENODEV'],
  ['ways.unsupported', 'EINVAL'],
  ['ways.root-multiple', 'EINVAL'],
  ['ways.busy', 'EBUSY'],
  ['granularity.unsupported', 'EINVAL'],
  ['granularity.root-mismatch', 'EINVAL'],
  ['granularity.busy', 'EBUSY'],
  ['size.geometry-unset', 'ENXIO'],
  ['size.uuid-unset', 'ENXIO'],
  ['size.multiple', 'EINVAL'],
  ['size.no-space', 'ERANGE'],
  ['size.change', 'EBUSY'],
  ['uuid.null', 'EINVAL'],
  ['commit.not-active', 'ENXIO'],
  ['mode.value', 'EINVAL'],
  ['mode.no-partition', 'EINVAL'],
  ['dpa.alignment', 'EINVAL'],
  ['dpa.partition-unset', 'EBUSY'],
  ['dpa.no-space', 'ENOSPC'],
  ['dpa.order', 'EBUSY'],
  ['dpa.free-order', 'EBUSY'],
  ['target.no-such-device', 'ENODEV'],
  ['target.not-endpoint-decoder', 'EINVAL'],
  ['target.endpoint-interleave-cap', 'ENXIO'],
  ['target.mode-none', 'ENODEV'],
  ['target.region-active', 'EBUSY'],
  ['target.no-size', 'ENXIO'],
  ['target.no-dpa', 'ENXIO'],
  ['target.size-mismatch', 'EINVAL'],
  ['target.position-taken', 'EBUSY'],
  ['target.same-memdev', 'EBUSY'],
  ['target.position-host-bridge', 'ENXIO'],
  ['setup.cannot-host', 'ENXIO'],
  ['setup.mismatched-peer', 'ENXIO'],
  ['region.probe.uncommitted', 'ENXIO'],
  ['dax.id.format', 'EINVAL'],
  ['memory.state.value', 'EINVAL'],
  ['memory.state.same', 'EINVAL'],
  ['memory.auto-online.value', 'EINVAL'],
  ['explicit-dax.online_type.invalid', 'EINVAL'],
  ['explicit-dax.online_type.refused', 'EINVAL'],
  ['explicit-dax.dax-kmem.unconfigured', 'ENODEV'],
  ['explicit-dax.sysram.uncommitted', 'ENXIO'],
  ['explicit-dax.sysram.not-ram', 'ENODEV'],
  ['explicit-dax.devdax.uncommitted', 'ENXIO'],
];

test('every documented refusal has the errno the documents give', (t) => {
  for (const [id, errno] of DOCUMENTED) t.is(fact(id).errno, errno, id);
});

test('every fact names its code; errnos are errno names; unreachable facts are refusals', (t) => {
  const all = allFacts();
  t.true(all.length > 50);
  for (const f of all) {
    t.true(f.code.length > 0, f.id);
    if (f.errno) t.regex(f.errno, /^E[A-Z0-9]+$/, f.id);
    if (f.unreachable) t.truthy(f.errno, `${f.id} is unreachable but refuses nothing`);
  }
});

test('every fact id the model code and the series definitions use is registered', (t) => {
  const dir = projectPath('harness/model');
  const files = [...readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f)), ...readdirSync(join(dir, 'series')).map((f) => join(dir, 'series', f))];
  const ids = new Set<string>();
  for (const f of files) for (const m of readFileSync(f, 'utf8').matchAll(/\b(?:refuse|accept|fact)\('([a-z0-9._-]+)'\)/g)) ids.add(m[1]!);
  for (const d of definitions()) for (const r of [...d.drivers.flatMap((x) => x.probe), ...d.devices.flatMap((x) => x.attributes.flatMap((a) => a.write)), ...d.daxAttributes.flatMap((a) => a.write)]) ids.add(r.fact);
  t.true(ids.size > 40);
  for (const id of ids) t.notThrows(() => fact(id), id);
});

test('refuse gives the fact\'s errno; accept gives ok; a non-refusal or an unknown fact throws', (t) => {
  t.deepEqual(refuse('commit.not-active'), { errno: 'ENXIO', fact: 'commit.not-active' });
  t.deepEqual(accept(), { errno: 'ok' });
  t.deepEqual(accept('commit.programs-decoders'), { errno: 'ok', fact: 'commit.programs-decoders' });
  t.throws(() => refuse('commit.programs-decoders'), { message: /not a refusal/ });
  t.throws(() => fact('no.such.fact'), { message: /unknown fact/ });
  t.throws(() => accept('no.such.fact'));
});

test('a fact id defined in two files is refused; the same file may register again', (t) => {
  const f = { id: 'test.only.fact', summary: 's', code: 'c' };
  registerFacts([f], 'a.yaml');
  t.notThrows(() => registerFacts([f], 'a.yaml'));
  t.throws(() => registerFacts([f], 'b.yaml'), { message: /defined in a\.yaml and b\.yaml/ });
});
