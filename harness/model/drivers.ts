// The drivers the model assumes: the stock CXL/DAX set every kernel under test must have (the harness's kernel
// configuration asks for all of them), plus those of the series the kernel carries.
import { definitions } from './series/registry.ts';

/** A kernel without one of these fails the scenarios that need it, rather than skipping them. */
export const STOCK_CXL_DRIVERS = ['cxl_region', 'cxl_dax_region', 'cxl_pmem_region', 'cxl_nvdimm', 'cxl_nvdimm_bridge', 'cxl_port', 'cxl_mem'];
export const STOCK_DAX_DRIVERS = ['kmem', 'device_dax'];

export function modelDrivers(series: string[]): { cxl: string[]; dax: string[] } {
  const defs = definitions().filter((d) => series.includes(d.name));
  return {
    cxl: [...new Set([...STOCK_CXL_DRIVERS, ...defs.flatMap((d) => d.provides.cxlDrivers)])],
    dax: [...new Set([...STOCK_DAX_DRIVERS, ...defs.flatMap((d) => d.provides.daxDrivers)])],
  };
}
