// The shape of a series definition (scenarios/series/<name>/series.yaml): what the series adds (drivers, devices,
// attributes) and the documented rules for each, as data the model interprets; the harness core stays unchanged.
import { z } from 'zod';

const NAME = z.string().regex(/^[a-z][a-z0-9_]*$/);
const FACT_ID = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/);

/** Conditions a rule tests; all given ones must hold. `{value}` in lists stands for the written value. */
const WHEN = z
  .object({
    /** The written value is one of these (compared as sysfs_streq does). */
    value: z.array(z.string()).optional(),
    /** The attribute's current value is (not) one of these. */
    current: z.array(z.string()).optional(),
    currentNot: z.array(z.string()).optional(),
    /** The region under the device. */
    regionMode: z.enum(['ram', 'pmem']).optional(),
    committed: z.boolean().optional(),
    /** An attribute of the device being probed equals this value. */
    attr: z.record(z.string()).optional(),
  })
  .strict();

const EFFECT = z
  .object({
    /** A dax_region (and daxN.0) below the probed device; kmem-flagged or device mode; its online policy. */
    daxRegion: z.object({ kmem: z.boolean(), onlineType: z.string().optional() }).strict().optional(),
    /** A device of a type this series defines, below the probed device. */
    device: NAME.optional(),
    /** Hot-add the dax device's memory with this online type ('{value}' for the written one). */
    hotAdd: z.string().optional(),
    /** Offline and remove every block of the dax device, all or nothing. */
    hotRemove: z.literal(true).optional(),
  })
  .strict();

/** An ordered rule: the first whose `when` holds decides; `fact` gives the errno of a refusal (or documents an accept). */
const RULE = z
  .object({
    when: WHEN.default({}),
    fact: FACT_ID,
    /** Refusals take their errno from the fact; rules without `refuse` accept. */
    refuse: z.literal(true).optional(),
    do: EFFECT.optional(),
    /** The attribute's new value ('{value}' for the written one). */
    set: z.string().optional(),
  })
  .strict();

const ATTRIBUTE = z
  .object({
    name: NAME,
    /** Value at creation; '{onlineType}' for the online type a dax device was hot-added with. */
    initial: z.string(),
    write: z.array(RULE).min(1),
  })
  .strict();

export const SERIES = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    title: z.string(),
    /** A --series whose patch subjects include one of these is this series. */
    subjects: z.array(z.string()).min(1),
    /** What a kernel carrying the series shows at boot: drivers on the cxl/dax buses, kernel symbols (/proc/kallsyms). */
    provides: z
      .object({ cxlDrivers: z.array(NAME).default([]), daxDrivers: z.array(NAME).default([]), symbols: z.array(z.string()).default([]) })
      .strict(),
    /** Device types the series adds on the cxl bus, named from the region's id. */
    devices: z.array(z.object({ type: NAME, name: z.string(), attributes: z.array(ATTRIBUTE).default([]) }).strict()).default([]),
    /** Drivers on the cxl bus: the device type they match and their probe rules. */
    drivers: z.array(z.object({ name: NAME, matches: NAME, probe: z.array(RULE).min(1) }).strict()).default([]),
    /** Attributes a dax driver gains for its bound devices (e.g. kmem's state). */
    daxAttributes: z.array(ATTRIBUTE.extend({ driver: z.enum(['kmem', 'device_dax']) })).default([]),
    /** Which region driver binds a region the kernel assembled itself (documented answer, with its fact). */
    autoRegionDriver: z.object({ driver: NAME, fact: FACT_ID }).strict().optional(),
  })
  .strict();

export type SeriesDef = z.infer<typeof SERIES>;
export type Rule = z.infer<typeof RULE>;
export type Attribute = z.infer<typeof ATTRIBUTE>;
