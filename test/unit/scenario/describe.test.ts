// describeAction: the one-line name of each action kind, as reports and model gaps show it.
import test from 'ava';
import { describeAction } from '../../../harness/scenario/describe.ts';

test('one line per action kind, sysfs prefixes shortened', (t) => {
  t.is(describeAction({ kind: 'write', path: '/sys/bus/cxl/devices/region0/size', value: '268435456' }), '268435456 > region0/size');
  t.is(describeAction({ kind: 'write', path: '/sys/bus/cxl/devices/region0/target0', value: '' }), '"" > region0/target0');
  t.is(describeAction({ kind: 'write', path: '/sys/devices/system/memory/auto_online_blocks', value: 'online' }), 'online > /sys/devices/system/memory/auto_online_blocks');
  t.is(describeAction({ kind: 'read', path: '/sys/bus/dax/devices/dax0.0/size' }), 'read dax0.0/size');
  t.is(describeAction({ kind: 'bind', bus: 'cxl', driver: 'cxl_region', device: 'region0' }), 'bind region0 to cxl_region');
  t.is(describeAction({ kind: 'unbind', bus: 'dax', driver: 'kmem', device: 'dax0.0' }), 'unbind dax0.0 from kmem');
  t.is(describeAction({ kind: 'blocks', region: 'region0', state: 'offline' }), 'offline > region0 memory blocks');
  t.is(describeAction({ kind: 'poll', path: '/sys/bus/cxl/devices/dax_region0', timeoutMs: 1 }), 'wait for dax_region0');
  t.is(describeAction({ kind: 'poll', path: '/sys/bus/cxl/devices/region0/commit', value: '1', timeoutMs: 1 }), 'wait for region0/commit = 1');
  t.is(describeAction({ kind: 'run', command: 'cxl list -R' }), 'cxl list -R');
  t.true(describeAction({ kind: 'data', region: 'region0', samples: 16 }).startsWith('16 tags through region0'));
  t.is(describeAction({ kind: 'requires', path: '/x', capability: 'the sysram driver' }), 'requires the sysram driver');
});
