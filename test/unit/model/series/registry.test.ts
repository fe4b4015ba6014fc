// The series registry: definitions from scenarios/series/<name>/, which kernels carry a series, which patches are one.
import test from 'ava';
import { fact } from '../../../../harness/model/facts.ts';
import { SERIES } from '../../../../harness/model/series/schema.ts';
import { definitions, DEFINITION_FILES, SERIES_DIR, seriesForPatches, seriesOnKernel } from '../../../../harness/model/series/registry.ts';

const DRIVERS = ['cxl_devdax_region', 'cxl_sysram_region', 'cxl_dax_kmem_region'];

test('explicit-dax is defined in its folder, with the drivers P7 and P8 add, and its facts registered', (t) => {
  const d = definitions().find((x) => x.name === 'explicit-dax');
  t.truthy(d);
  t.is(d!.dir, `${SERIES_DIR}/explicit-dax`);
  t.deepEqual([...d!.provides.cxlDrivers].sort(), [...DRIVERS].sort());
  t.deepEqual(d!.devices.map((x) => [x.type, x.name]), [['sysram_region', 'sysram_region{id}']]);
  t.is(fact('explicit-dax.dax-kmem.unconfigured').errno, 'ENODEV');
  t.deepEqual(DEFINITION_FILES, ['series.yaml', 'facts.yaml']);
});

test('a kernel carries a series when every driver and symbol it names is there', (t) => {
  const stock = ['cxl_region', 'cxl_dax_region'];
  t.deepEqual(seriesOnKernel({ cxlDrivers: [...stock, ...DRIVERS], daxDrivers: ['kmem'], symbols: [] }), ['explicit-dax']);
  t.deepEqual(seriesOnKernel({ cxlDrivers: [...stock, ...DRIVERS.slice(1)], daxDrivers: ['kmem'], symbols: [] }), []);
  t.deepEqual(seriesOnKernel({ cxlDrivers: stock, daxDrivers: [], symbols: [] }), []);
});

test('patches are a series when a subject carries one of its subjects', (t) => {
  t.deepEqual(seriesForPatches(['[PATCH 8/9] cxl/core: Add dax_kmem_region and sysram_region drivers']), ['explicit-dax']);
  t.deepEqual(seriesForPatches(['[PATCH 1/2] cxl/region: refuse an interleave granularity of 256']), []);
  t.deepEqual(seriesForPatches([]), []);
});

test('the definition schema refuses unknown keys and a driver without probe rules', (t) => {
  const base = { name: 'x', title: 'x', subjects: ['s'], provides: {} };
  t.true(SERIES.safeParse(base).success);
  t.false(SERIES.safeParse({ ...base, extra: 1 }).success);
  t.false(SERIES.safeParse({ ...base, drivers: [{ name: 'd', matches: 'region', probe: [] }] }).success);
  t.false(SERIES.safeParse({ ...base, name: 'Bad Name' }).success);
});
