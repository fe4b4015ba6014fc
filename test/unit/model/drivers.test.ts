// modelDrivers: the stock drivers every kernel under test has, plus those of the series it carries.
import test from 'ava';
import { modelDrivers, STOCK_CXL_DRIVERS, STOCK_DAX_DRIVERS } from '../../../harness/model/drivers.ts';

test('stock: the cxl drivers the harness configuration builds, kmem and device_dax', (t) => {
  t.deepEqual([...STOCK_CXL_DRIVERS].sort(), ['cxl_dax_region', 'cxl_mem', 'cxl_nvdimm', 'cxl_nvdimm_bridge', 'cxl_pmem_region', 'cxl_port', 'cxl_region']);
  t.deepEqual([...STOCK_DAX_DRIVERS].sort(), ['device_dax', 'kmem']);
  t.deepEqual(modelDrivers([]), { cxl: STOCK_CXL_DRIVERS, dax: STOCK_DAX_DRIVERS });
  t.deepEqual(modelDrivers(['no-such-series']), { cxl: STOCK_CXL_DRIVERS, dax: STOCK_DAX_DRIVERS });
});

test('explicit-dax adds its three cxl drivers (P7, P8) and no dax driver', (t) => {
  const d = modelDrivers(['explicit-dax']);
  t.deepEqual(d.cxl, [...STOCK_CXL_DRIVERS, 'cxl_devdax_region', 'cxl_sysram_region', 'cxl_dax_kmem_region']);
  t.deepEqual(d.dax, STOCK_DAX_DRIVERS);
});
