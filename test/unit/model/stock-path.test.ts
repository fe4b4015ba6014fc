// predict() through scenarios/stock/kmem.yaml, step by step, against what the real guest showed (QEMU 10, Debian
// 7.2.13, default topology; the brief's observations and ground-truth.md) and the model document's sections.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import { predict } from '../../../harness/model/predict.ts';
import { parseSnapshot, render, type Snapshot } from '../../../harness/model/render.ts';
import type { ModelState } from '../../../harness/model/state.ts';
import { parseScenarioFile } from '../../../harness/scenario/load.ts';
import type { Scenario } from '../../../harness/scenario/types.ts';
import { apply, blocks, bind, boot, keysUnder, memState, observedFamilies, stockSetup, withDeviceMiB, write } from './stock.ts';

const kmemYaml = fileURLToPath(new URL('../../../scenarios/stock/kmem.yaml', import.meta.url));
const fixture = async (name: string) => parseSnapshot(await readFile(new URL(`../../fixtures/snapshots/${name}`, import.meta.url), 'utf8'));

type Policy = 'offline' | 'online_movable';
const policyOf = (s: Scenario, variant: string) => {
  const v = s.variants.find((x) => x.name === variant)!;
  const arg = v.cmdline.find((a) => a.startsWith('memhp_default_state='));
  return arg?.slice('memhp_default_state='.length);
};

/** Per step of kmem.yaml: the documented/observed result and what the rendered state must show afterwards. */
type Check = (t: ExecutionContext, snap: Snapshot, policy: Policy, before: ModelState, after: ModelState) => Promise<void> | void;
const steps: { name: string; result: (p: Policy) => string; check: Check }[] = [
  {
    name: 'region0 > decoder0.0/create_ram_region',
    result: () => 'ok',
    check: (t, s) => {
      // Observed: create_ram_region then reads region1; region0 commit 0, granularity 0, ways 0, resource all-ones, size 0x0, no driver.
      t.is(s['cxl/decoder0.0/create_ram_region'], 'region1');
      t.is(s['cxl/region0'], '-');
      t.is(s['cxl/region0/commit'], '0');
      t.is(s['cxl/region0/interleave_granularity'], '0');
      t.is(s['cxl/region0/interleave_ways'], '0');
      t.is(s['cxl/region0/resource'], '0xffffffffffffffff');
      t.is(s['cxl/region0/size'], '0x0');
      // §1.2: targetN exist only for index < interleave_ways (0 here).
      t.deepEqual(Object.keys(s).filter((k) => /^cxl\/region0\/target/.test(k)), []);
    },
  },
  { name: '256 > region0/interleave_granularity', result: () => 'ok', check: (t, s) => t.is(s['cxl/region0/interleave_granularity'], '256') },
  {
    name: '1 > region0/interleave_ways',
    result: () => 'ok',
    check: (t, s) => {
      t.is(s['cxl/region0/interleave_ways'], '1');
      // §1.2: target0 appears once ways is 1 and reads an empty line.
      t.is(s['cxl/region0/target0'], '');
      t.is(s['cxl/region0/target1'], undefined);
    },
  },
  { name: 'ram > decoder2.0/mode', result: () => 'ok', check: (t, s) => t.is(s['cxl/decoder2.0/mode'], 'ram') },
  { name: '268435456 > decoder2.0/dpa_size', result: () => 'ok', check: (t, s) => t.is(s['cxl/decoder2.0/dpa_size'], '0x0000000010000000') },
  {
    name: '268435456 > region0/size',
    result: () => 'ok',
    check: (t, s) => {
      // Observed: resource 0x2d0000000 (the window's start), size 0x10000000.
      t.is(s['cxl/region0/resource'], '0x2d0000000');
      t.is(s['cxl/region0/size'], '0x10000000');
    },
  },
  { name: 'decoder2.0 > region0/target0', result: () => 'ok', check: (t, s) => t.is(s['cxl/region0/target0'], 'decoder2.0') },
  {
    name: '1 > region0/commit',
    result: () => 'ok',
    check: (t, s, _p, _b, after) => {
      t.is(s['cxl/region0/commit'], '1');
      // §1.7.1: nothing auto-probes a user-created region after commit.
      t.is(s['cxl/region0'], '-');
      t.deepEqual(keysUnder(s, 'cxl/dax_region0'), []);
      // Observed on the committed region: 5 > interleave_ways → EINVAL, "x" > create_ram_region → EINVAL.
      t.deepEqual(predict(after, write('region0/interleave_ways', 5)).result, ['EINVAL']);
      t.deepEqual(predict(after, write('decoder0.0/create_ram_region', 'x')).result, ['EINVAL']);
    },
  },
  {
    name: 'bind region0 to cxl_region',
    result: () => 'ok',
    check: async (t, s, policy) => {
      t.is(s['cxl/region0'], 'cxl_region');
      t.is(s['cxl/dax_region0'], 'cxl_dax_region');
      t.is(s['dax/dax0.0'], 'kmem');
      t.is(s['dax/dax0.0/size'], '268435456');
      t.is(s['dax/dax0.0/target_node'], '1');
      // §3: auto_online_blocks reads the boot-time policy (memhp_default_state=).
      t.is(s['memory/auto_online_blocks'], policy);
      // 0x2d0000000 / 128 MiB = 90: blocks memory90 and memory91, nothing else in the window.
      t.deepEqual(Object.keys(s).filter((k) => k.startsWith('memory/memory')).sort(), [
        'memory/memory90/state',
        'memory/memory90/valid_zones',
        'memory/memory91/state',
        'memory/memory91/valid_zones',
      ]);
      if (policy === 'offline') {
        // Observed with memhp_default_state=offline: both offline, "Normal Movable", node1 MemTotal 0.
        for (const b of [90, 91]) {
          t.is(s[`memory/memory${b}/state`], 'offline');
          t.is(s[`memory/memory${b}/valid_zones`], 'Normal Movable');
        }
        t.is(s['node/node1/MemTotal'], '0');
        t.deepEqual(observedFamilies(s), observedFamilies(await fixture('stock-bound-offline.txt')));
      } else {
        // Observed with memhp_default_state=online_movable: the blocks come up online in Movable at bind.
        for (const b of [90, 91]) {
          t.is(s[`memory/memory${b}/state`], 'online');
          t.is(s[`memory/memory${b}/valid_zones`], 'Movable');
        }
        t.is(s['node/node1/MemTotal'], '262144');
      }
    },
  },
  {
    name: 'online_movable > region0 memory blocks',
    // Observed: online_movable to an already-online block → EINVAL (§3 "when already in that state → EINVAL").
    result: (p) => (p === 'offline' ? 'ok' : 'EINVAL'),
    check: (t, s, policy, before, after) => {
      for (const b of [90, 91]) {
        t.is(s[`memory/memory${b}/state`], 'online');
        t.is(s[`memory/memory${b}/valid_zones`], 'Movable');
      }
      t.is(s['node/node1/MemTotal'], '262144');
      if (policy === 'online_movable') t.deepEqual(after, before, 'a refused write changes nothing');
    },
  },
  {
    name: 'offline > region0 memory blocks',
    result: () => 'ok',
    check: (t, s) => {
      for (const b of [90, 91]) {
        t.is(s[`memory/memory${b}/state`], 'offline');
        t.is(s[`memory/memory${b}/valid_zones`], 'Normal Movable');
      }
      t.is(s['node/node1/MemTotal'], '0');
    },
  },
  {
    name: '0 > region0/commit',
    result: () => 'ok',
    check: (t, s) => {
      // Observed: dax_region0, dax0.0, memory90/91 and node1 all gone; region0 stays, commit 0, target0 kept, resource kept.
      t.deepEqual(keysUnder(s, 'cxl/dax_region0'), []);
      t.deepEqual(keysUnder(s, 'dax/dax0.0'), []);
      t.deepEqual(Object.keys(s).filter((k) => k.startsWith('memory/memory') || k.startsWith('node/')), []);
      t.is(s['cxl/region0/commit'], '0');
      t.is(s['cxl/region0/target0'], 'decoder2.0');
      t.is(s['cxl/region0/resource'], '0x2d0000000');
      // §1.6 false: the region driver is released.
      t.is(s['cxl/region0'], '-');
    },
  },
  {
    name: '"" > region0/target0',
    result: () => 'ok',
    check: async (t, s) => {
      t.is(s['cxl/region0/target0'], '');
      t.deepEqual(observedFamilies(s), observedFamilies(await fixture('stock-target-detached.txt')));
    },
  },
  // §1.4: 0 frees the allocation once the decoder is out of the region.
  { name: '0 > decoder2.0/dpa_size', result: () => 'ok', check: (t, s) => t.is(s['cxl/decoder2.0/dpa_size'], '0x0000000000000000') },
  {
    name: 'region0 > decoder0.0/delete_region',
    result: () => 'ok',
    check: (t, s) => {
      // Observed: region0 gone; create_ram_region reads region0 again (§1.1 lower freed id pushed back).
      t.deepEqual(keysUnder(s, 'cxl/region0'), []);
      t.is(s['cxl/decoder0.0/create_ram_region'], 'region0');
    },
  },
];

test('the boot state matches the observed boot snapshot', (t) => {
  for (const policy of ['offline', 'online_movable']) {
    const s = render(boot(policy));
    t.is(s['cxl/decoder0.0/create_ram_region'], 'region0');
    t.is(s['cxl/decoder0.0/start'], '0x2d0000000');
    t.is(s['cxl/decoder0.0/size'], '0x100000000');
    for (const n of [0, 1, 2, 3]) {
      t.is(s[`cxl/decoder2.${n}/mode`], 'none');
      t.is(s[`cxl/decoder2.${n}/dpa_size`], '0x0000000000000000');
    }
    t.deepEqual(Object.keys(s).filter((k) => /^(cxl\/(region|dax_region)|dax\/|memory\/memory|node\/)/.test(k)), []);
  }
});

test('kmem.yaml is the sequence these checks describe', async (t) => {
  const scenario = await parseScenarioFile(kmemYaml);
  t.is(scenario.steps.length, steps.length);
  t.deepEqual(
    scenario.steps.slice(0, stockSetup.length).map((s) => s.action),
    stockSetup,
  );
  t.deepEqual(scenario.steps[8]!.action, bind('region0'));
  t.deepEqual(scenario.steps[9]!.action, blocks('region0', 'online_movable'));
  t.deepEqual(scenario.steps[10]!.action, blocks('region0', 'offline'));
  t.deepEqual(scenario.steps.slice(11).map((s) => s.action), [
    write('region0/commit', 0),
    write('region0/target0', ''),
    write('decoder2.0/dpa_size', 0),
    write('decoder0.0/delete_region', 'region0'),
  ]);
});

for (const variant of ['offline', 'online_movable'] as const) {
  test(`kmem.yaml, variant ${variant}: every step's result and state match the observations`, async (t) => {
    const scenario = await parseScenarioFile(kmemYaml);
    const policy = policyOf(scenario, variant);
    t.is(policy, variant);
    let state = boot(policy);
    for (const [i, step] of scenario.steps.entries()) {
      const spec = steps[i]!;
      const p = predict(state, step.action);
      t.is(p.gap, undefined, `step ${i + 1} (${spec.name}) is covered by the model`);
      t.deepEqual(p.result, [spec.result(variant)], `step ${i + 1} (${spec.name}) result`);
      await spec.check(t, render(p.state), variant, state, p.state);
      state = p.state;
    }
  });
}

test('bind returns before the dax chain settles: the observation must poll (§0 asynchronous probe)', (t) => {
  const state = apply(t, boot('offline'), stockSetup);
  t.true(predict(state, bind('region0')).async);
});

test('after bind: /proc/iomem holds region0 > dax0.0 > System RAM (kmem) under the window, auto_online_blocks offline (§1.3, §2, §3)', async (t) => {
  const state = apply(t, boot('offline'), [...stockSetup, bind('region0')]);
  const s = render(state);
  const expected = await fixture('stock-bound-offline.txt');
  for (const k of Object.keys(expected).filter((x) => x.startsWith('iomem/') || x === 'memory/auto_online_blocks')) t.is(s[k], expected[k], k);
  t.deepEqual(Object.keys(s).filter((k) => k.startsWith('iomem/')).sort(), Object.keys(expected).filter((k) => k.startsWith('iomem/')).sort());
});

test('after delete_region the window holds nothing: no region, dax or System RAM in /proc/iomem (§1.1 frees HPA)', (t) => {
  let state = apply(t, boot('offline'), [...stockSetup, bind('region0')]);
  state = apply(t, state, [write('region0/commit', 0), write('region0/target0', ''), write('decoder2.0/dpa_size', 0), write('decoder0.0/delete_region', 'region0')]);
  const s = render(state);
  t.deepEqual(Object.keys(s).filter((k) => k.startsWith('iomem/') && k !== 'iomem/CXL Window 0'), []);
});

test('the stock sequence can run twice: the second region0 lands at the same place (§1.1, §1.3 lowest free range)', (t) => {
  const teardown = [write('region0/commit', 0), write('region0/target0', ''), write('decoder2.0/dpa_size', 0), write('decoder0.0/delete_region', 'region0')];
  let state = apply(t, boot('offline'), [...stockSetup, bind('region0'), ...teardown]);
  state = apply(t, state, [...stockSetup, bind('region0')]);
  const s = render(state);
  t.is(s['cxl/region0/resource'], '0x2d0000000');
  t.is(s['dax/dax0.0'], 'kmem');
  t.is(s['memory/memory90/state'], 'offline');
  t.is(s['cxl/decoder0.0/create_ram_region'], 'region1');
});

// §3 zone choice under the default policy contig-zones, and policies other than the two observed ones.
test('memhp_default_state=online on a fresh node: blocks online in Normal (§3 "else Normal")', (t) => {
  const s = render(apply(t, boot('online'), [...stockSetup, bind('region0')]));
  for (const b of [90, 91]) {
    t.is(s[`memory/memory${b}/state`], 'online');
    t.is(s[`memory/memory${b}/valid_zones`], 'Normal');
  }
  t.is(s['node/node1/MemTotal'], '262144');
});

test('memhp_default_state=online_kernel: blocks online in Normal (§3 online_kernel → lowest kernel zone, else Normal)', (t) => {
  const s = render(apply(t, boot('online_kernel'), [...stockSetup, bind('region0')]));
  for (const b of [90, 91]) t.is(s[`memory/memory${b}/valid_zones`], 'Normal');
});

test('no memhp_default_state: the Kconfig default (offline) applies (§3)', (t) => {
  const s = render(apply(t, boot(undefined), [...stockSetup, bind('region0')]));
  for (const b of [90, 91]) t.is(s[`memory/memory${b}/state`], 'offline');
  t.is(s['memory/auto_online_blocks'], 'offline');
});

test('auto_online_blocks written at runtime applies to memory added later (§3 precedence: runtime write wins)', (t) => {
  const s = render(apply(t, boot('offline'), [write('/sys/devices/system/memory/auto_online_blocks', 'online_movable'), ...stockSetup, bind('region0')]));
  for (const b of [90, 91]) t.is(s[`memory/memory${b}/valid_zones`], 'Movable');
  t.is(s['memory/auto_online_blocks'], 'online_movable');
});

test('auto_online_blocks does not touch memory already added (§3 "Applies only to memory added later")', (t) => {
  const s = render(apply(t, boot('offline'), [...stockSetup, bind('region0'), write('/sys/devices/system/memory/auto_online_blocks', 'online')]));
  for (const b of [90, 91]) t.is(s[`memory/memory${b}/state`], 'offline');
});

test('"online" picks the zone that already spans the block; offline valid_zones lists that zone first (§3 contig-zones)', (t) => {
  // A 1 GiB device and a 512 MiB region: blocks 90–93. Movable then spans 90..93 once 90 and 93 are online there.
  let state = boot('offline', withDeviceMiB(1024));
  state = apply(t, state, [
    write('decoder0.0/create_ram_region', 'region0'),
    write('region0/interleave_granularity', 256),
    write('region0/interleave_ways', 1),
    write('decoder2.0/mode', 'ram'),
    write('decoder2.0/dpa_size', 2 * 268435456),
    write('region0/size', 2 * 268435456),
    write('region0/target0', 'decoder2.0'),
    write('region0/commit', 1),
    bind('region0'),
    memState(90, 'online_movable'),
    memState(93, 'online_movable'),
  ]);
  let s = render(state);
  t.is(s['memory/memory91/valid_zones'], 'Movable Normal');
  t.is(s['memory/memory92/valid_zones'], 'Movable Normal');
  state = apply(t, state, [memState(91, 'online')]);
  s = render(state);
  t.is(s['memory/memory91/valid_zones'], 'Movable');
  t.is(s['node/node1/MemTotal'], String(3 * 131072));
});

test('"online" next to (not inside) a Movable span goes to Normal (§3: no zone spans the block)', (t) => {
  const state = apply(t, boot('offline'), [...stockSetup, bind('region0'), memState(90, 'online_movable'), memState(91, 'online')]);
  const s = render(state);
  t.is(s['memory/memory90/valid_zones'], 'Movable');
  t.is(s['memory/memory91/valid_zones'], 'Normal');
});

// BUG (harness/model/memory.ts defaultZone, and state.ts bootOnlineType reads only memhp_default_state): §3 says `online`
// picks "the zone already spanning the range if exactly one does, else Normal (Movable if `movable_node`)", and valid_zones
// of an offline block starts with the zone `online` would pick. The model ignores `movable_node` on the command line.
test('with movable_node, "online" on a fresh node picks Movable (§3 "Movable if movable_node")', (t) => {
  const state = apply(t, boot('online', undefined, 'movable_node'), [...stockSetup, bind('region0')]);
  const s = render(state);
  for (const b of [90, 91]) t.is(s[`memory/memory${b}/valid_zones`], 'Movable');
});

test('with movable_node, an offline block lists Movable first in valid_zones (§3)', (t) => {
  const state = apply(t, boot('offline', undefined, 'movable_node'), [...stockSetup, bind('region0')]);
  t.is(render(state)['memory/memory90/valid_zones'], 'Movable Normal');
});
