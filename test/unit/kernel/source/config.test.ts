// Config verification: which requested options survived olddefconfig, and why Kconfig dropped the others.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { HarnessError } from '../../../../harness/common/errors.ts';
import { formatProblem, parseConfig, readFragment, verifyConfig } from '../../../../harness/kernel/source/config.ts';
import { evaluate, indexKconfig, reasonFor } from '../../../../harness/kernel/source/kconfig-deps.ts';

const fixtures = fileURLToPath(new URL('../../../fixtures/series/build/', import.meta.url));

async function problems() {
  const requested = parseConfig((await readFragment(join(fixtures, 'requested.config'))).text);
  const final = await readFile(join(fixtures, 'final.config'), 'utf8');
  return { problems: verifyConfig(requested, final), values: parseConfig(final) };
}

test('verifyConfig lists exactly the requested options that did not survive', async (t) => {
  const { problems: list } = await problems();
  t.deepEqual(list, [
    { symbol: 'DEV_DAX', requested: 'y', actual: 'n' },
    { symbol: 'DEV_DAX_KMEM', requested: 'y', actual: 'n' },
    // "m" survives as built in (modules are off), but not as absent.
    { symbol: 'VIRTIO_NET', requested: 'm', actual: 'n' },
    { symbol: 'ACPI_NUMA', requested: 'n', actual: 'y' },
    { symbol: 'CXL_BUSS', requested: 'y', actual: 'n' },
  ]);
});

test('a later fragment overrides an earlier one', (t) => {
  const requested = parseConfig('CONFIG_DAX=y\n');
  for (const [k, v] of parseConfig('# CONFIG_DAX is not set\n')) requested.set(k, v);
  t.deepEqual(verifyConfig(requested, 'CONFIG_DAX=y\n'), [{ symbol: 'DAX', requested: 'n', actual: 'y' }]);
  t.deepEqual(verifyConfig(requested, '# CONFIG_DAX is not set\n'), []);
});

test('each dropped option is explained from the Kconfig files', async (t) => {
  const { problems: list, values } = await problems();
  const index = await indexKconfig(join(fixtures, 'kconfig'));
  const reasons = Object.fromEntries(list.map((p) => [p.symbol, reasonFor(index, p, values)]));
  t.deepEqual(reasons, {
    DEV_DAX: 'unmet dependency: TRANSPARENT_HUGEPAGE [=n]',
    DEV_DAX_KMEM: 'unmet dependency: DEV_DAX [=n]',
    // The condition comes from an enclosing "if NET_CORE" block, not the option's own "depends on".
    VIRTIO_NET: 'unmet dependency: NET_CORE [=n]',
    ACPI_NUMA: 'selected by X86_64_ACPI_NUMA [=y]',
    CXL_BUSS: "no such option in this tree's Kconfig",
  });
  t.is(
    formatProblem({ ...list[0]!, reason: reasons.DEV_DAX! }),
    'CONFIG_DEV_DAX=y did not survive (final: n): unmet dependency: TRANSPARENT_HUGEPAGE [=n]',
  );
});

test('an option with no prompt and met dependencies is said to be select-only', async (t) => {
  const index = await indexKconfig(join(fixtures, 'kconfig'));
  t.is(reasonFor(index, { symbol: 'ACPI_NUMA', requested: 'y', actual: 'n' }, new Map([['NUMA', 'y']])), 'it has no prompt: only a `select` or its default sets it');
});

test('Kconfig expressions evaluate on tristate and string values', (t) => {
  const v = new Map([['A', 'y'], ['B', 'm'], ['S', '"x86"'], ['N', '12']]);
  t.is(evaluate('A && B', v), 1);
  t.is(evaluate('A && !B', v), 1);
  t.is(evaluate('!(A || C)', v), 0);
  t.is(evaluate('S = "x86" && N >= 10', v), 2);
  t.is(evaluate('B != m', v), 0);
});

test('a fragment line that is not config syntax names the file and line', async (t) => {
  const file = join(fixtures, 'bad-line.config');
  const err = await t.throwsAsync(readFragment(file), { instanceOf: HarnessError });
  t.is(err?.stage, 'input');
  t.true(err?.message.startsWith(`${file}:2: "NUMA=y"`), err?.message);
});
