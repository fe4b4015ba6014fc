// render() keys and values as the guest's snapshot script prints them, and parseSnapshot on that format.
import test from 'ava';
import { parseSnapshot, render } from '../../../harness/model/render.ts';
import { ep } from './kernel-names.ts';
import { bind, blocks, booted, preset, regionSteps, run, snap } from './world.ts';

// render(): the snapshot keys and values the guest's snapshot script prints, from model states built by hand-checked
// steps; and parseSnapshot on that format.

test('default right after boot: root decoder, passthrough port decoder, four endpoint decoders, window, policy', (t) => {
  const { s } = booted(preset('default'));
  const none = { mode: 'none', dpa_size: '0x0000000000000000', dpa_resource: '0xffffffffffffffff', region: '' };
  const expected: Record<string, string> = {
    'cxl/decoder0.0/create_ram_region': 'region0',
    'cxl/decoder0.0/create_pmem_region': 'region0',
    'cxl/decoder0.0/start': '0x2d0000000',
    'cxl/decoder0.0/size': '0x100000000',
    'cxl/decoder1.0/region': '',
    'memory/auto_online_blocks': 'offline',
    'iomem/CXL Window 0': '2d0000000-3cfffffff',
  };
  for (const d of [0, 1, 2, 3]) for (const [k, v] of Object.entries(none)) expected[`cxl/decoder2.${d}/${k}`] = v;
  t.deepEqual(render(s), expected);
});

test('two windows: one iomem window each, at 0x2d0000000 and 0x3d0000000', (t) => {
  const { s } = booted(preset('hb2x2'));
  t.like(render(s), { 'iomem/CXL Window 0': '2d0000000-3cfffffff', 'iomem/CXL Window 1': '3d0000000-4cfffffff', 'cxl/decoder0.1/start': '0x3d0000000' });
});

test('port decoder keys: only region while unprogrammed; ways, granularity, target list, start and size once programmed', (t) => {
  const { s, names } = booted(preset('rp2'));
  const steps = regionSteps({ ways: 2, granularity: 256, targets: [ep(names, 1), ep(names, 2)] });
  const attachedOne = run(t, s, steps.slice(0, -2));
  t.deepEqual(Object.keys(render(attachedOne)).filter((k) => k.startsWith('cxl/decoder1.0/')), ['cxl/decoder1.0/region']);
  t.is(render(attachedOne)['cxl/decoder1.0/region'], 'region0');
  t.deepEqual(Object.keys(render(attachedOne)).filter((k) => k.startsWith('cxl/decoder1.1/')), ['cxl/decoder1.1/region'], 'a free decoder: region only');
  const committed = run(t, s, steps);
  t.like(render(committed), { 'cxl/decoder1.0/interleave_ways': '2', 'cxl/decoder1.0/interleave_granularity': '256', 'cxl/decoder1.0/target_list': '0,1', 'cxl/decoder1.0/start': '0x2d0000000', 'cxl/decoder1.0/size': '0x20000000' });
});

test('the stock path bound with offline blocks: region, dax, blocks, node and /proc/iomem nesting', (t) => {
  const { s, names } = booted(preset('default'));
  const b = run(t, s, [...regionSteps({ ways: 1, granularity: 256, targets: [ep(names, 1)] }), bind('cxl_region', 'region0')]);
  t.like(snap(b), {
    'cxl/region0': 'cxl_region',
    'cxl/region0/mode': 'ram',
    'cxl/region0/commit': '1',
    'cxl/region0/size': '0x10000000',
    'cxl/region0/resource': '0x2d0000000',
    'cxl/region0/interleave_ways': '1',
    'cxl/region0/interleave_granularity': '256',
    'cxl/region0/target0': 'decoder2.0',
    'cxl/decoder0.0/create_ram_region': 'region1',
    'cxl/dax_region0': 'cxl_dax_region',
    'dax/dax0.0': 'kmem',
    'dax/dax0.0/size': '268435456',
    'dax/dax0.0/target_node': '1',
    'iomem/CXL Window 0/region0': '2d0000000-2dfffffff',
    'iomem/CXL Window 0/region0/dax0.0': '2d0000000-2dfffffff',
    'iomem/CXL Window 0/region0/dax0.0/System RAM (kmem)': '2d0000000-2dfffffff',
    'memory/memory90/state': 'offline',
    'memory/memory91/valid_zones': 'Normal Movable',
    'node/node1/MemTotal': '0',
  });
  t.false('cxl/region0/uuid' in snap(b), 'a RAM region\'s uuid is not printed');
  t.is(snap(run(t, b, [blocks('region0', 'online_movable')]))['node/node1/MemTotal'], String(2 * 128 * 1024));
});

test('parseSnapshot: one entry per "key<TAB>value" line; a line without a tab is a key with an empty value', (t) => {
  const text = 'cxl/region0\tcxl_region\ncxl/region0/target1\t\niomem/CXL Window 0/region0/dax0.0/System RAM (kmem)\t2d0000000-2dfffffff\n\nmemory/memory90/valid_zones\tNormal Movable\nlonely\nodd\tx\ty\n';
  t.deepEqual(parseSnapshot(text), {
    'cxl/region0': 'cxl_region',
    'cxl/region0/target1': '',
    'iomem/CXL Window 0/region0/dax0.0/System RAM (kmem)': '2d0000000-2dfffffff',
    'memory/memory90/valid_zones': 'Normal Movable',
    lonely: '',
    odd: 'x\ty',
  });
});

test('parseSnapshot orders keys bytewise whatever order the guest printed them in', (t) => {
  const text = 'memory/auto_online_blocks\toffline\ncxl/region0/mode\tram\ncxl/region0\tcxl_region\ncxl/decoder0.0/size\t0x1\nCXL\tx\n';
  t.deepEqual(Object.keys(parseSnapshot(text)), ['CXL', 'cxl/decoder0.0/size', 'cxl/region0', 'cxl/region0/mode', 'memory/auto_online_blocks']);
});
