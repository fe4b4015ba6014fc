// Version differences in known.yaml, pinned to the releases they were observed on (docs/kernel-versions.md): each
// range must keep holding for the release that showed the old behaviour and must never reach 7.2.13, the release the
// model's facts are written from, so an edited range cannot silently stop explaining a run or start hiding a 7.2 change.
import test from 'ava';
import { fact } from '../../../harness/model/facts.ts';
import { explain, inRange, knownDifferences } from '../../../harness/model/known.ts';

const MODEL = '7.2.13+deb14-amd64';

/** Each version difference added from a run, with the release it was seen on and what that release returned. */
const OBSERVED: { id: string; fact: string; release: string; observed: string }[] = [
  { id: 'version-target-mode-none', fact: 'target.mode-none', release: '6.12.117+deb13-amd64', observed: 'EINVAL' },
  { id: 'version-dpa-partition-unset', fact: 'dpa.partition-unset', release: '6.12.117+deb13-amd64', observed: 'EINVAL' },
  { id: 'version-mode-no-partition', fact: 'mode.no-partition', release: '6.12.117+deb13-amd64', observed: 'ENXIO' },
  { id: 'version-region-locked-absent', fact: 'auto-region.unlocked', release: '6.12.117+deb13-amd64', observed: 'ENOENT' },
];

/** State-only version differences: keys a release shows differently whatever step made them. */
const STATE: { id: string; release: string; key: string }[] = [{ id: 'version-region-locked-attribute', release: '6.12.117+deb13-amd64', key: 'cxl/region0/locked' }];

for (const o of STATE) {
  test(`${o.id}: explains ${o.key} missing on ${o.release}, not on ${MODEL}`, (t) => {
    const where = { scenario: 'stock-kmem', topology: 'default' };
    const missing = [{ key: o.key, expected: '0' }];
    t.is(explain(o.release, where, 'create.offer', 'ok', true, missing)?.id, o.id);
    t.is(explain(MODEL, where, 'create.offer', 'ok', true, missing), undefined);
  });
}

const byId = (id: string) => knownDifferences().find((k) => k.id === id);

for (const o of OBSERVED) {
  test(`${o.id}: holds on ${o.release}, not on ${MODEL}`, (t) => {
    const k = byId(o.id);
    if (!k) return t.fail(`${o.id} is not in known.yaml`);
    t.is(k.kind, 'version');
    t.is(k.fact, o.fact);
    t.is(k.observed, o.observed);
    t.true(inRange(o.release, k.kernels), `${k.kernels} must include ${o.release}`);
    t.false(inRange(MODEL, k.kernels), `${k.kernels} must exclude ${MODEL}`);
    // The model's own errno for the fact is what 7.2 returns: the entry records a different one.
    t.not(fact(o.fact).errno ?? 'ok', o.observed);
    t.true(k.evidence.length > 40, 'evidence names the source or commit');
  });

  test(`${o.id}: explains the step on ${o.release} and nothing on ${MODEL}`, (t) => {
    const where = { scenario: 'negative-endpoint-targets', topology: 'default' };
    // A read step (auto-region.unlocked) predicts ok with a value; the refusals predict their errno: either way the
    // result differs from the model's, so resultOk is false.
    t.is(explain(o.release, where, o.fact, o.observed, false, [])?.id, o.id);
    t.is(explain(MODEL, where, o.fact, o.observed, false, []), undefined, `${MODEL} behaves as the model says`);
    t.is(explain(o.release, where, o.fact, o.observed, false, [{ key: 'cxl/region0/size', expected: '0x0', observed: '0x10000000' }]), undefined, 'a state difference the entry does not list');
  });
}

test('every version difference excludes the model release and gives evidence', (t) => {
  const versions = knownDifferences().filter((k) => k.kind === 'version');
  t.true(versions.length >= OBSERVED.length);
  for (const k of versions) {
    t.false(inRange(MODEL, k.kernels), `${k.id}: ${k.kernels} covers ${MODEL}, the release the facts describe`);
    // Either what the older releases return for a fact, or (no fact) the state keys they show differently.
    t.true(k.fact ? k.observed !== undefined : k.findings.length > 0, `${k.id}: a version difference says what the older releases do`);
    t.true(OBSERVED.some((o) => o.id === k.id) || STATE.some((o) => o.id === k.id), `${k.id}: add the release it was observed on to OBSERVED or STATE`);
  }
});

test('the boundaries: 6.14.x is still old, 6.15 and 7.0 are not; locked appears in 7.1', (t) => {
  for (const id of ['version-target-mode-none', 'version-dpa-partition-unset', 'version-mode-no-partition']) {
    const r = byId(id)!.kernels;
    t.true(inRange('6.14.11', r), id);
    t.false(inRange('6.15.0', r), id);
    t.false(inRange('6.11.0', r), `${id}: nothing older than 6.12 was observed`);
  }
  const locked = byId('version-region-locked-absent')!.kernels;
  t.true(inRange('7.0.9', locked));
  t.false(inRange('7.1.0', locked));
});
