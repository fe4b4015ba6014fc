// Role templates resolved against the real switch2 guest's kernel names (mem0 is serial 2, mem1 serial 1).
import { readFileSync } from 'node:fs';
import test from 'ava';
import { HarnessError } from '../../../harness/common/errors.ts';
import { initialContext, resolveAction, resolveStep, resolveText, type RoleContext } from '../../../harness/scenario/roles.ts';
import { readGuestGraph } from '../../../harness/topology/guest-graph.ts';

// Role templates resolved against the kernel names of the real switch2 guest (mem0 is serial 2, mem1 serial 1):
// ${root}, ${ep:P.D}, ${mem:P}, ${endpoint:P}, ${region}, ${region:NAME}, ${dax}, ${dax_region}, ${dev:T}, ${offer}.

const names = readGuestGraph(readFileSync(new URL('../../fixtures/graph/switch2-debian-7.2.13.tsv', import.meta.url), 'utf8')).names;
const ctx = (over: Partial<RoleContext> = {}): RoleContext => ({ ...initialContext(names, [1, 2]), ...over });
const fails = (text: string, c: RoleContext, message: RegExp) => (t: import('ava').ExecutionContext) => {
  const e = t.throws(() => resolveText(text, c), { instanceOf: HarnessError });
  t.is(e!.stage, 'steps');
  t.regex(e!.message, message);
};

test('initialContext: window 0, ram, the given order, no region', (t) => {
  t.deepEqual(initialContext(names, [2, 1]), { names, window: 0, mode: 'ram', order: [2, 1], named: {} });
});

test('${root}, ${root:0} and ${root:current} name the current window\'s root decoder', (t) => {
  t.is(resolveText('${root}', ctx()), 'decoder0.0');
  t.is(resolveText('${root:0}', ctx()), 'decoder0.0');
  t.is(resolveText('${root:current}', ctx()), 'decoder0.0');
});

test('${root:1} on a one-window guest', fails('${root:1}', ctx(), /no root decoder for window 1/));

test('${ep:P.D}: decoder D of the device at position P, found by serial whatever the kernel called it', (t) => {
  t.is(resolveText('${ep:0}', ctx()), 'decoder3.0');
  t.is(resolveText('${ep:0.0}', ctx()), 'decoder3.0');
  t.is(resolveText('${ep:1.2}', ctx()), 'decoder4.2');
  t.is(resolveText('${ep:0.3}', ctx({ order: [2, 1] })), 'decoder4.3', 'the order decides which device is position 0');
});

test('${mem:P} and ${endpoint:P}: the memdev and endpoint port of position P', (t) => {
  t.is(resolveText('${mem:0}', ctx()), 'mem1');
  t.is(resolveText('${mem:1}', ctx()), 'mem0');
  t.is(resolveText('${endpoint:1}', ctx()), 'endpoint4');
});

test('${ep:2} beyond the order', fails('${ep:2}', ctx(), /no device at position 2 \(the order has 2\)/));
test('${ep:0.7} beyond the endpoint\'s decoders', fails('${ep:0.7}', ctx(), /endpoint3 has no decoder 7/));
test('${mem:0} for a serial the guest does not have', fails('${mem:0}', ctx({ order: [9] }), /no device at position 0/));

test('${region}, ${dax}, ${dax_region} follow the current region\'s id', (t) => {
  const c = ctx({ region: 'region3' });
  t.is(resolveText('/sys/bus/cxl/devices/${region}/commit', c), '/sys/bus/cxl/devices/region3/commit');
  t.is(resolveText('${dax}', c), 'dax3.0');
  t.is(resolveText('${dax_region}', c), 'dax_region3');
});

test('${region} before any region', fails('${region}', ctx(), /needs a region created earlier/));
test('${dax} before any region', fails('${dax}', ctx(), /needs a region created earlier/));

test('${region:NAME}: a region created with as:', (t) => {
  t.is(resolveText('${region:first}', ctx({ named: { first: 'region2' }, region: 'region4' })), 'region2');
});
test('${region:NAME} never created', fails('${region:nope}', ctx(), /no region was created with as: nope/));

test('${dev:sysram_region}: the series device named after the region id', (t) => {
  t.is(resolveText('${dev:sysram_region}', ctx({ region: 'region0' })), 'sysram_region0');
  t.is(resolveText('/sys/bus/cxl/devices/${dev:sysram_region}/online_type', ctx({ region: 'region5' })), '/sys/bus/cxl/devices/sysram_region5/online_type');
});
test('${dev:T} for a type no series defines', fails('${dev:nope}', ctx({ region: 'region0' }), /no series defines a device type "nope"/));

test('${offer} only inside a create step', (t) => {
  t.is(resolveText('${offer}', ctx({ offer: 'region1' })), 'region1');
  t.throws(() => resolveText('${offer}', ctx()), { instanceOf: HarnessError, message: /only meaningful in a create step/ });
});

test('an unknown role', fails('${bogus}', ctx(), /unknown role/));

test('text without templates, and $ signs that are no template, stay as written', (t) => {
  t.is(resolveText('/sys/bus/cxl/devices/decoder0.0/size', ctx()), '/sys/bus/cxl/devices/decoder0.0/size');
  t.is(resolveText('cost $5 ${ROOT}', ctx()), 'cost $5 ${ROOT}');
});

test('resolveAction resolves every field that may hold a role, per kind', (t) => {
  const c = ctx({ region: 'region0' });
  t.deepEqual(resolveAction({ kind: 'write', path: '/sys/bus/cxl/devices/${region}/target0', value: '${ep:0}' }, c), { kind: 'write', path: '/sys/bus/cxl/devices/region0/target0', value: 'decoder3.0' });
  t.deepEqual(resolveAction({ kind: 'bind', bus: 'dax', driver: 'kmem', device: '${dax}' }, c), { kind: 'bind', bus: 'dax', driver: 'kmem', device: 'dax0.0' });
  t.deepEqual(resolveAction({ kind: 'blocks', region: '${region}', state: 'offline' }, c), { kind: 'blocks', region: 'region0', state: 'offline' });
  t.deepEqual(resolveAction({ kind: 'poll', path: '/sys/bus/cxl/devices/${dax_region}', value: '${mem:1}', timeoutMs: 5 }, c), { kind: 'poll', path: '/sys/bus/cxl/devices/dax_region0', value: 'mem0', timeoutMs: 5 });
  t.deepEqual(resolveAction({ kind: 'run', command: 'cxl list -r ${region}' }, c), { kind: 'run', command: 'cxl list -r region0' });
  t.deepEqual(resolveAction({ kind: 'data', region: '${region}', samples: 4 }, c), { kind: 'data', region: 'region0', samples: 4 });
  t.deepEqual(resolveAction({ kind: 'requires', path: '/sys/bus/cxl/devices/${dev:sysram_region}', capability: 'x' }, c), { kind: 'requires', path: '/sys/bus/cxl/devices/sysram_region0', capability: 'x' });
});

test('resolveStep resolves the name too', (t) => {
  const s = resolveStep({ name: 'free the DPA of ${ep:1.0}', action: { kind: 'write', path: '/sys/bus/cxl/devices/${ep:1.0}/dpa_size', value: '0' } }, ctx());
  t.is(s.name, 'free the DPA of decoder4.0');
  t.is((s.action as { path: string }).path, '/sys/bus/cxl/devices/decoder4.0/dpa_size');
});
