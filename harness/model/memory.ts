// Memory blocks: hot-add per online policy, state writes, and the zone rule (default policy contig-zones).
import { accept, refuse, type Result } from './facts.ts';
import type { Block, ModelState, OnlineType, Zone } from './state.ts';

function spans(state: ModelState, node: number, zone: Zone, id: number): boolean {
  const ids = state.blocks.filter((b) => b.node === node && b.online && b.zone === zone).map((b) => b.id);
  return ids.length > 0 && id >= Math.min(...ids) && id <= Math.max(...ids);
}

/** The zone `online` picks: the one zone already spanning the block, else Normal (mm/memory_hotplug.c default_zone_for_pfn). */
export function defaultZone(state: ModelState, b: Block): Zone {
  const inKernel = spans(state, b.node, 'Normal', b.id);
  const inMovable = spans(state, b.node, 'Movable', b.id);
  if (inKernel !== inMovable) return inMovable ? 'Movable' : 'Normal';
  return state.movableNode ? 'Movable' : 'Normal';
}

export function zoneFor(state: ModelState, b: Block, type: OnlineType): Zone {
  if (type === 'online_movable') return 'Movable';
  if (type === 'online_kernel') return 'Normal';
  return defaultZone(state, b);
}

/** `valid_zones`: an online block's zone; an offline block's default zone first, then the other one. */
export function validZones(state: ModelState, b: Block): string {
  if (b.online) return b.zone!;
  const d = defaultZone(state, b);
  return d === 'Normal' ? 'Normal Movable' : 'Movable Normal';
}

const STATE_VALUES = ['online', 'online_kernel', 'online_movable', 'offline'];

/** A write to memoryM/state (drivers/base/memory.c state_store): unknown values, and the state the block is in, are refused. */
export function writeBlockState(state: ModelState, b: Block, raw: string): Result {
  const value = raw.replace(/\n$/, '');
  if (!STATE_VALUES.includes(value)) return refuse('memory.state.value');
  if ((value === 'offline') === !b.online) return refuse('memory.state.same');
  if (value === 'offline') {
    b.online = false;
    delete b.zone;
  } else {
    b.zone = zoneFor(state, b, value as OnlineType);
    b.online = true;
  }
  return accept('memory.state.set');
}

/** kmem's hot-add of a region's range: one block per block size, onlined one by one per the policy in force. */
export function hotAdd(state: ModelState, region: string, start: bigint, size: bigint, node: number, online: OnlineType): void {
  if (!state.nodes.includes(node)) state.nodes.push(node);
  for (let a = start; a < start + size; a += state.blockSize) {
    const b: Block = { id: Number(a / state.blockSize), node, region, online: false };
    state.blocks.push(b);
    if (online !== 'offline') writeBlockState(state, b, online);
  }
}

/** kmem's remove: all blocks go when all are offline (true); otherwise removal fails and they stay, leaked until reboot (false). */
export function hotRemove(state: ModelState, region: string): boolean {
  const mine = state.blocks.filter((b) => b.region === region);
  if (mine.some((b) => b.online)) return false;
  state.blocks = state.blocks.filter((b) => b.region !== region);
  state.nodes = state.nodes.filter((n) => state.blocks.some((b) => b.node === n));
  return true;
}

/**
 * offline_and_remove_memory: offline every online block, then remove all. Blocks in ZONE_NORMAL may hold unmovable
 * pages, so for them the documents allow a refusal too (see hasUnmovableRisk).
 */
export function hotRemoveAll(state: ModelState, region: string): void {
  for (const b of state.blocks.filter((x) => x.region === region)) {
    b.online = false;
    delete b.zone;
  }
  hotRemove(state, region);
}

/** Online blocks outside ZONE_MOVABLE: offlining them may fail with EBUSY (mm/memory_hotplug.c offline_pages). */
export function hasUnmovableRisk(state: ModelState, region: string): boolean {
  return state.blocks.some((b) => b.region === region && b.online && b.zone !== 'Movable');
}
