// The topology file's shape (zod): keys, types, ranges and defaults. Cross-field rules live in rules.ts.
import { z } from 'zod';

const ID = z.string().regex(/^[A-Za-z][A-Za-z0-9._-]*$/, 'an id: a letter, then letters, digits, ".", "_" or "-"');
const MIB_256 = z
  .number()
  .int('a whole number of MiB')
  .nonnegative()
  .refine((n) => n % 256 === 0, 'a multiple of 256 (MiB): the kernel maps CXL memory in 256 MiB granules');
const PORT = z.number().int().min(0).max(255);
const SLOT = z.number().int().min(0).max(255);
/** QEMU's cxl_interleave_granularity_enc: powers of two from 256 B to 16 KiB. */
export const GRANULARITIES = [256, 512, 1024, 2048, 4096, 8192, 16384] as const;
/** QEMU's cxl_interleave_ways_enc (checked on QEMU 10.0.2: 5 is refused, 3 and 6 start). */
export const WINDOW_WAYS = [1, 2, 3, 4, 6, 8, 12, 16] as const;

const DEVICE = z
  .object({
    id: ID,
    serial: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    volatileMiB: MIB_256.default(0),
    persistentMiB: MIB_256.default(0),
    lsaMiB: z.number().int().min(1).max(1024).optional(),
  })
  .strict();

const DOWNSTREAM = z.object({ id: ID, port: PORT, chassis: z.number().int().min(0).max(255).default(0), slot: SLOT, device: DEVICE.optional() }).strict();

const SWITCH = z
  .object({ id: ID, mailboxCci: z.boolean().default(false), downstreamPorts: z.array(DOWNSTREAM).min(1, 'at least one downstream port') })
  .strict();

const ROOT_PORT = z
  .object({ id: ID, port: PORT, chassis: z.number().int().min(0).max(255).default(0), slot: SLOT, device: DEVICE.optional(), switch: SWITCH.optional() })
  .strict();

const HOST_BRIDGE = z.object({ id: ID, busNr: z.number().int().min(1).max(254), rootPorts: z.array(ROOT_PORT).min(1, 'at least one root port') }).strict();

const WINDOW = z
  .object({
    targets: z.array(z.string()).min(1),
    sizeMiB: MIB_256.refine((n) => n > 0, 'at least 256'),
    granularity: z
      .number()
      .refine((g) => (GRANULARITIES as readonly number[]).includes(g), `one of ${GRANULARITIES.join(', ')} (bytes)`)
      .default(256),
    /** QEMU 10 always advertises every restriction bit (CFMWS restrictions 0x0f); nothing else can be asked for. */
    restrictions: z.array(z.enum(['type2', 'type3', 'volatile', 'persistent'])).optional(),
  })
  .strict();

export const TOPOLOGY_FILE = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
    description: z.string().optional(),
    cpus: z.number().int().min(1).max(64).default(2),
    memory: z
      .object({ bootMiB: z.number().int().min(256).default(1024), maxMiB: z.number().int().default(4096), slots: z.number().int().min(1).max(256).default(4) })
      .strict()
      .default({}),
    hostBridges: z.array(HOST_BRIDGE).min(1, 'at least one host bridge'),
    windows: z.array(WINDOW).min(1, 'at least one fixed memory window'),
  })
  .strict();

export type TopologyFile = z.infer<typeof TOPOLOGY_FILE>;
