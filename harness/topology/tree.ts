// A topology as an indented tree, for `cxl-harness topology show`.
import type { Topology } from './types.ts';

export function topologyTree(t: Topology): string {
  const lines = [`${t.name}: ${t.cpus} CPUs, ${t.memory.bootMiB} MiB (max ${t.memory.maxMiB} MiB, ${t.memory.slots} slots)${t.description ? `\n  ${t.description}` : ''}`];
  const dev = (d: NonNullable<Topology['hostBridges'][number]['rootPorts'][number]['device']>) =>
    `${d.id} sn ${d.serial}: ${[d.volatileMiB ? `${d.volatileMiB} MiB volatile` : '', d.persistentMiB ? `${d.persistentMiB} MiB persistent` : '', d.lsaMiB ? `${d.lsaMiB} MiB label area` : ''].filter(Boolean).join(', ')}`;
  for (const hb of t.hostBridges) {
    lines.push(`  host bridge ${hb.id} (bus ${hb.busNr})`);
    for (const rp of hb.rootPorts) {
      lines.push(`    root port ${rp.id} (port ${rp.port}, chassis ${rp.chassis} slot ${rp.slot})${rp.device ? ` — ${dev(rp.device)}` : ''}`);
      if (!rp.switch) continue;
      lines.push(`      switch ${rp.switch.id}${rp.switch.mailboxCci ? ' (with mailbox CCI)' : ''}`);
      for (const ds of rp.switch.downstreamPorts) lines.push(`        downstream port ${ds.id} (port ${ds.port}, chassis ${ds.chassis} slot ${ds.slot})${ds.device ? ` — ${dev(ds.device)}` : ''}`);
    }
  }
  t.windows.forEach((w, k) => lines.push(`  window ${k}: ${w.sizeMiB} MiB across ${w.targets.join(', ')}${w.targets.length > 1 ? ` at ${w.granularity} B` : ''}`));
  return lines.join('\n');
}
