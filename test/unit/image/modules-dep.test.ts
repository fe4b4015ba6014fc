// Tests for .modinfo parsing, dependency closure and modules.dep output, on small synthetic ELF files.

import test from 'ava';
import { closure, moduleDeps, modulesDepText, readModinfo } from '../../../harness/image/modules-dep.ts';
import { HarnessError } from '../../../harness/common/errors.ts';

interface Section {
  name: string;
  data: Buffer;
}

/**
 * A minimal relocatable ELF64: header, section bodies, then the section header table
 * (null section, the given sections, .shstrtab). `extended` stores the section count and
 * name-table index in section header 0, as ELF does beyond 0xff00 sections.
 */
function elf(sections: Section[], opts: { bigEndian?: boolean; extended?: boolean } = {}): Buffer {
  const le = !opts.bigEndian;
  const all = [...sections];
  let names = Buffer.from('\0');
  const nameOffsets: number[] = [];
  for (const s of [...all, { name: '.shstrtab' }]) {
    nameOffsets.push(names.length);
    names = Buffer.concat([names, Buffer.from(s.name + '\0', 'latin1')]);
  }
  all.push({ name: '.shstrtab', data: names });

  const bodies: Buffer[] = [];
  const offsets: number[] = [];
  let off = 64;
  for (const s of all) {
    offsets.push(off);
    bodies.push(s.data);
    off += s.data.length;
  }
  const pad = (8 - (off % 8)) % 8;
  const shoff = off + pad;
  const shnum = all.length + 1;

  const w16 = (b: Buffer, v: number, o: number) => (le ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o));
  const w32 = (b: Buffer, v: number, o: number) => (le ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o));
  const w64 = (b: Buffer, v: number, o: number) => (le ? b.writeBigUInt64LE(BigInt(v), o) : b.writeBigUInt64BE(BigInt(v), o));

  const head = Buffer.alloc(64);
  head.write('\x7fELF', 0, 'latin1');
  head[4] = 2; // ELFCLASS64
  head[5] = le ? 1 : 2;
  head[6] = 1; // EV_CURRENT
  w16(head, 1, 0x10); // ET_REL
  w16(head, 62, 0x12); // EM_X86_64
  w32(head, 1, 0x14);
  w64(head, shoff, 0x28);
  w16(head, 64, 0x34); // e_ehsize
  w16(head, 64, 0x3a); // e_shentsize
  w16(head, opts.extended ? 0 : shnum, 0x3c);
  w16(head, opts.extended ? 0xffff : shnum - 1, 0x3e);

  const table = Buffer.alloc(64 * shnum);
  if (opts.extended) {
    w64(table, shnum, 32); // sh_size of section 0
    w32(table, shnum - 1, 40); // sh_link of section 0
  }
  all.forEach((s, i) => {
    const o = 64 * (i + 1);
    w32(table, nameOffsets[i]!, o);
    w32(table, s.name === '.shstrtab' ? 3 : 1, o + 4); // SHT_STRTAB or SHT_PROGBITS
    w64(table, offsets[i]!, o + 24);
    w64(table, s.data.length, o + 32);
    w64(table, 1, o + 48);
  });
  return Buffer.concat([head, ...bodies, Buffer.alloc(pad), table]);
}

const modinfo = (...entries: string[]): Section => ({
  name: '.modinfo',
  data: Buffer.from(entries.map((e) => e + '\0').join(''), 'utf8'),
});
const ko = (...entries: string[]): Buffer =>
  elf([{ name: '.text', data: Buffer.from([0xc3]) }, { name: '.rodata', data: Buffer.from('depends=decoy\0') }, modinfo(...entries)]);

test('readModinfo returns every key with all its values, in order', (t) => {
  const info = readModinfo(
    ko('license=GPL', 'alias=pci:v*d*sv*sd*bc05sc02i10*', 'depends=cxl_core,cxl_port', 'alias=cxl:t3', 'vermagic=7.2.13 SMP mod_unload '),
  );
  t.deepEqual(info, {
    license: ['GPL'],
    alias: ['pci:v*d*sv*sd*bc05sc02i10*', 'cxl:t3'],
    depends: ['cxl_core,cxl_port'],
    vermagic: ['7.2.13 SMP mod_unload '],
  });
});

test('readModinfo finds .modinfo through the section headers, not by scanning the file', (t) => {
  // ko() puts "depends=decoy" in .rodata before .modinfo.
  t.deepEqual(readModinfo(ko('depends='))['depends'], ['']);
  t.is(readModinfo(ko('license=GPL'))['depends'], undefined);
});

test('readModinfo skips alignment NULs between entries and keeps "=" inside values', (t) => {
  const data = Buffer.from('\0\0author=A\0\0\0\0parm=x:a=b\0', 'utf8');
  const info = readModinfo(elf([{ name: '.modinfo', data }]));
  t.deepEqual(info, { author: ['A'], parm: ['x:a=b'] });
});

test('readModinfo reads big-endian files and extended section numbering', (t) => {
  const s = [modinfo('depends=a,b')];
  t.deepEqual(readModinfo(elf(s, { bigEndian: true }))['depends'], ['a,b']);
  t.deepEqual(readModinfo(elf(s, { extended: true }))['depends'], ['a,b']);
});

test('readModinfo refuses non-ELF, 32-bit, truncated and .modinfo-less files', (t) => {
  const opts = { instanceOf: HarnessError };
  t.throws(() => readModinfo(Buffer.from('not an elf file at all, definitely not one, no no no no no no no no')), opts);
  const e32 = ko('depends=');
  e32[4] = 1;
  t.throws(() => readModinfo(e32), opts);
  const whole = ko('depends=');
  t.throws(() => readModinfo(whole.subarray(0, whole.length - 10)), opts);
  t.throws(() => readModinfo(elf([{ name: '.text', data: Buffer.from([0xc3]) }])), opts);
});

const fixture = () =>
  moduleDeps([
    { relPath: 'kernel/drivers/cxl/cxl_pci.ko', modinfo: ko('depends=cxl_core,cxl-mem') },
    { relPath: 'kernel/drivers/cxl/core/cxl_core.ko', modinfo: ko('depends=') },
    { relPath: 'kernel/drivers/cxl/cxl_mem.ko', modinfo: ko('depends=cxl_core,cxl_port') },
    { relPath: 'kernel/drivers/cxl/cxl_port.ko', modinfo: ko('depends=cxl_core') },
    { relPath: 'kernel/drivers/dax/kmem.ko.xz', modinfo: ko('depends=dax') },
    { relPath: 'kernel/sound/snd-hda-core.ko', modinfo: ko('license=GPL') },
  ]);

test('moduleDeps names modules from their file names and splits depends', (t) => {
  const index = fixture();
  t.deepEqual([...index.keys()], ['cxl_pci', 'cxl_core', 'cxl_mem', 'cxl_port', 'kmem', 'snd_hda_core']);
  t.deepEqual(index.get('cxl_pci'), { relPath: 'kernel/drivers/cxl/cxl_pci.ko', depends: ['cxl_core', 'cxl_mem'] });
  t.deepEqual(index.get('cxl_core')!.depends, []);
  t.deepEqual(index.get('kmem'), { relPath: 'kernel/drivers/dax/kmem.ko.xz', depends: ['dax'] });
  t.deepEqual(index.get('snd_hda_core')!.depends, []);
});

test('moduleDeps refuses two files for one module and names the broken file', (t) => {
  t.throws(
    () =>
      moduleDeps([
        { relPath: 'kernel/a/x-y.ko', modinfo: ko('depends=') },
        { relPath: 'kernel/b/x_y.ko', modinfo: ko('depends=') },
      ]),
    { instanceOf: HarnessError, message: /x_y.*kernel\/a\/x-y\.ko.*kernel\/b\/x_y\.ko/ },
  );
  t.throws(() => moduleDeps([{ relPath: 'kernel/a/bad.ko', modinfo: Buffer.alloc(80) }]), {
    instanceOf: HarnessError,
    message: /kernel\/a\/bad\.ko/,
  });
});

test('closure orders dependencies first, each module once', (t) => {
  const { order, missing } = closure(['cxl_pci', 'cxl-port'], fixture());
  t.deepEqual(order, ['cxl_core', 'cxl_port', 'cxl_mem', 'cxl_pci']);
  t.deepEqual(missing, []);
});

test('closure treats unknown names as built in unless a builtin set says otherwise', (t) => {
  const index = fixture();
  t.deepEqual(closure(['kmem', 'virtio_net'], index), { order: ['kmem'], missing: [] });
  t.deepEqual(closure(['kmem', 'virtio_net'], index, new Set(['dax'])), { order: ['kmem'], missing: ['virtio_net'] });
  t.deepEqual(closure(['kmem', 'virtio_net'], index, new Set()), { order: ['kmem'], missing: ['dax', 'virtio_net'] });
  t.deepEqual(closure(['kmem', 'kmem'], index, new Set()).missing, ['dax'], 'reported once');
});

test('closure refuses a dependency cycle', (t) => {
  const index = moduleDeps([
    { relPath: 'kernel/a.ko', modinfo: ko('depends=b') },
    { relPath: 'kernel/b.ko', modinfo: ko('depends=a') },
  ]);
  t.throws(() => closure(['a'], index), { instanceOf: HarnessError, message: /a -> b -> a/ });
});

test('modulesDepText lists direct and indirect dependencies, last to load first', (t) => {
  const index = fixture();
  t.is(
    modulesDepText(index, closure(['cxl_pci', 'kmem'], index).order),
    [
      'kernel/drivers/cxl/core/cxl_core.ko:',
      'kernel/drivers/cxl/cxl_port.ko: kernel/drivers/cxl/core/cxl_core.ko',
      'kernel/drivers/cxl/cxl_mem.ko: kernel/drivers/cxl/cxl_port.ko kernel/drivers/cxl/core/cxl_core.ko',
      'kernel/drivers/cxl/cxl_pci.ko: kernel/drivers/cxl/cxl_mem.ko kernel/drivers/cxl/cxl_port.ko kernel/drivers/cxl/core/cxl_core.ko',
      'kernel/drivers/dax/kmem.ko.xz:',
      '',
    ].join('\n'),
  );
  t.throws(() => modulesDepText(index, ['nope']), { instanceOf: HarnessError });
});
