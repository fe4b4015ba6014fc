// compileErrors: real kbuild logs (a typo, an undefined function) → "file:line: message (in function)".
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { compileErrors, formatCompileError } from '../../../../harness/kernel/source/compile-errors.ts';

const fixtures = fileURLToPath(new URL('../../../fixtures/series/build/', import.meta.url));
// The build tree the fixture logs were written in.
const TREE = '/root/.cache/cxl-harness/kernel-src/trees/452aae645cf1cc1c832f';
const PREFIXES = [`${TREE}/src`, `${TREE}/out`];

test('a compile error gives the file relative to the tree, the line, gcc\'s message and the function', async (t) => {
  const errors = compileErrors(await readFile(join(fixtures, 'compile-error.log'), 'utf8'), PREFIXES);
  t.deepEqual(errors.map(formatCompileError), [
    'drivers/cxl/core/region.c:607: ‘vall’ undeclared (first use in this function); did you mean ‘val’? (in interleave_granularity_store)',
  ]);
});

test('an undefined reference names the object and the function that made it', async (t) => {
  const errors = compileErrors(await readFile(join(fixtures, 'link-error.log'), 'utf8'), PREFIXES);
  t.deepEqual(errors.map(formatCompileError), ['drivers/cxl/core/region.o: undefined reference to `cxl_harness_refuse\' (in interleave_granularity_store)']);
});

test('without compiler or linker messages, the failed make targets are named', (t) => {
  const log = `make[3]: *** [${TREE}/src/scripts/Makefile.build:294: arch/x86/entry/vdso/vdso64.so.dbg] Error 1\n`;
  t.deepEqual(compileErrors(log, PREFIXES), [{ file: 'arch/x86/entry/vdso/vdso64.so.dbg', message: 'make target failed (rule in scripts/Makefile.build)' }]);
});
