// Reads module dependencies from .ko files and writes modules.dep, since Debian's module packages ship none.

import { HarnessError } from '../common/errors.ts';

export interface ModuleFile {
  /** Path under /lib/modules/<release>/, e.g. kernel/drivers/cxl/cxl_pci.ko */
  relPath: string;
  /** The decompressed .ko bytes. */
  modinfo: Buffer;
}

export interface ModuleEntry {
  relPath: string;
  depends: string[];
}

export type ModuleIndex = Map<string, ModuleEntry>;

const fail = (message: string): HarnessError => new HarnessError(message, { stage: 'image' });

const SHN_XINDEX = 0xffff;

/** The bytes of the section named `wanted`, found through the ELF64 section headers; undefined when absent. */
function elfSection(elf: Buffer, wanted: string): Buffer | undefined {
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46) throw fail('not an ELF file');
  if (elf[4] !== 2) throw fail('not a 64-bit ELF file');
  const little = elf[5] === 1;
  if (!little && elf[5] !== 2) throw fail('ELF file has an unknown byte order');
  const u16 = (o: number): number => (little ? elf.readUInt16LE(o) : elf.readUInt16BE(o));
  const u32 = (o: number): number => (little ? elf.readUInt32LE(o) : elf.readUInt32BE(o));
  const u64 = (o: number): number => Number(little ? elf.readBigUInt64LE(o) : elf.readBigUInt64BE(o));

  const shoff = u64(0x28);
  const shentsize = u16(0x3a);
  let shnum = u16(0x3c);
  let shstrndx = u16(0x3e);
  if (shoff === 0) return undefined;
  if (shentsize < 64) throw fail(`ELF section header size ${shentsize} is too small`);
  const sh = (i: number): number => {
    const o = shoff + i * shentsize;
    if (o + 64 > elf.length) throw fail(`ELF section header ${i} lies past the end of the file`);
    return o;
  };
  // With more than 0xff00 sections the real count and string table index live in section header 0.
  if (shnum === 0) shnum = u64(sh(0) + 32);
  if (shstrndx === SHN_XINDEX) shstrndx = u32(sh(0) + 40);
  if (shstrndx >= shnum) throw fail(`ELF section name table index ${shstrndx} is out of range`);

  const body = (i: number): Buffer => {
    const o = sh(i);
    const off = u64(o + 24);
    const size = u64(o + 32);
    if (off + size > elf.length) throw fail(`ELF section ${i} lies past the end of the file`);
    return elf.subarray(off, off + size);
  };
  const names = body(shstrndx);
  for (let i = 0; i < shnum; i++) {
    const nameOff = u32(sh(i));
    const end = names.indexOf(0, nameOff);
    if (nameOff < names.length && names.toString('latin1', nameOff, end < 0 ? names.length : end) === wanted) {
      return body(i);
    }
  }
  return undefined;
}

/** The .modinfo entries of a module, key to values in file order (alias= and others repeat). */
export function readModinfo(ko: Buffer): Record<string, string[]> {
  const section = elfSection(ko, '.modinfo');
  if (!section) throw fail('module has no .modinfo section');
  const info: Record<string, string[]> = {};
  // Entries are NUL-terminated and may be separated by alignment NULs.
  for (const entry of section.toString('utf8').split('\0')) {
    const eq = entry.indexOf('=');
    if (eq <= 0) continue;
    (info[entry.slice(0, eq)] ??= []).push(entry.slice(eq + 1));
  }
  return info;
}

const normalise = (name: string): string => name.replaceAll('-', '_');

/** Module name as the kernel knows it: file name without .ko (and any compression suffix), '-' as '_'. */
function moduleName(relPath: string): string {
  const base = relPath.slice(relPath.lastIndexOf('/') + 1);
  const m = /^(.+)\.ko(?:\.(?:xz|zst|gz))?$/.exec(base);
  if (!m) throw fail(`${relPath} is not a .ko file`);
  return normalise(m[1]!);
}

export function moduleDeps(modules: Iterable<ModuleFile>): ModuleIndex {
  const index: ModuleIndex = new Map();
  for (const { relPath, modinfo } of modules) {
    const name = moduleName(relPath);
    const previous = index.get(name);
    if (previous) throw fail(`module ${name} is provided by both ${previous.relPath} and ${relPath}`);
    let info: Record<string, string[]>;
    try {
      info = readModinfo(modinfo);
    } catch (cause) {
      throw new HarnessError(`cannot read .modinfo of ${relPath}`, { stage: 'image', cause });
    }
    const depends = (info['depends'] ?? [])
      .flatMap((v) => v.split(','))
      .filter((d) => d !== '')
      .map(normalise);
    index.set(name, { relPath, depends: [...new Set(depends)] });
  }
  return index;
}

/**
 * Load order for `wanted` and everything they depend on, dependencies first.
 * A name outside the index is taken as built in, unless `builtin` is given and lacks it: then it is missing.
 */
export function closure(
  wanted: string[],
  index: ModuleIndex,
  builtin?: Set<string>,
): { order: string[]; missing: string[] } {
  const order: string[] = [];
  const missing: string[] = [];
  const done = new Set<string>();
  const onPath: string[] = [];

  const visit = (name: string): void => {
    if (done.has(name)) return;
    if (onPath.includes(name)) throw fail(`module dependency cycle: ${[...onPath, name].join(' -> ')}`);
    const entry = index.get(name);
    if (!entry) {
      done.add(name);
      if (builtin && !builtin.has(name)) missing.push(name);
      return;
    }
    onPath.push(name);
    for (const dep of entry.depends) visit(dep);
    onPath.pop();
    done.add(name);
    order.push(name);
  };
  for (const name of wanted) visit(normalise(name));
  return { order, missing };
}

/** modules.dep lines for `names`: each module's direct and indirect dependencies, in reverse load order like depmod. */
export function modulesDepText(index: ModuleIndex, names: string[]): string {
  let text = '';
  for (const name of new Set(names.map(normalise))) {
    const entry = index.get(name);
    if (!entry) throw fail(`modules.dep: module ${name} is not in the index`);
    const deps = closure([name], index).order.slice(0, -1).reverse();
    text += `${entry.relPath}:${deps.map((d) => ` ${index.get(d)!.relPath}`).join('')}\n`;
  }
  return text;
}
