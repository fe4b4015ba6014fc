// The image recipe: tagged by the hash of everything that shapes the image, and installing what the harness needs.
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import test from 'ava';
import { extract } from 'tar-stream';
import { BUILD_PACKAGES } from '../../../harness/kernel/source/host-deps.ts';
import { contextTar, imageTag, readRecipe, recipeHash, type RecipeFile } from '../../../harness/runtime/docker-recipe.ts';

const file = (name: string, data: string, mode = 0o644): RecipeFile => ({ name, data: Buffer.from(data), mode });
const files = [file('Dockerfile', 'FROM x\n'), file('entrypoint.sh', '#!/bin/sh\n', 0o755)];
const dockerfile = () => readFile(new URL('../../../images/docker/Dockerfile', import.meta.url), 'utf8');

test('the hash ignores file order and changes with any byte, mode, build argument or base image', (t) => {
  const h = recipeHash(files, { BASE: 'b' }, 'sha256:1');
  t.regex(h, /^[0-9a-f]{64}$/);
  t.is(recipeHash([...files].reverse(), { BASE: 'b' }, 'sha256:1'), h);
  t.not(recipeHash([file('Dockerfile', 'FROM y\n'), files[1]!], { BASE: 'b' }, 'sha256:1'), h);
  t.not(recipeHash([files[0]!, file('entrypoint.sh', '#!/bin/sh\n', 0o644)], { BASE: 'b' }, 'sha256:1'), h);
  t.not(recipeHash(files, { BASE: 'c' }, 'sha256:1'), h);
  t.not(recipeHash(files, { BASE: 'b' }, 'sha256:2'), h);
});

test('the tag is the repository and the first 12 hex digits of the hash', (t) => {
  t.is(imageTag('0123456789abcdef'.repeat(4)), 'cxl-harness:0123456789ab');
});

test("the context holds images/docker and the host's site-local CAs (*.crt only)", async (t) => {
  const recipe = await mkdtemp(join(tmpdir(), 'cxl-recipe-'));
  await mkdir(join(recipe, 'ca'));
  await writeFile(join(recipe, 'Dockerfile'), 'FROM x\n');
  await writeFile(join(recipe, 'ca', 'README.md'), 'x');
  const cas = await mkdtemp(join(tmpdir(), 'cxl-ca-'));
  await mkdir(join(cas, 'corp'));
  await writeFile(join(cas, 'corp', 'proxy.crt'), 'PEM');
  await writeFile(join(cas, 'notes.txt'), 'not a cert');
  const r = await readRecipe(recipe, cas);
  t.deepEqual(r.map((f) => f.name).sort(), ['Dockerfile', 'ca/README.md', 'ca/site-corp-proxy.crt']);
  t.is(r.find((f) => f.name === 'ca/site-corp-proxy.crt')!.data.toString(), 'PEM');
  t.deepEqual(await readRecipe(recipe, join(cas, 'absent')).then((x) => x.map((f) => f.name).sort()), ['Dockerfile', 'ca/README.md']);
});

test('the context tar holds each file with its bytes and mode', async (t) => {
  const seen: { name: string; mode?: number; body: string }[] = [];
  const x = extract();
  x.on('entry', (h, stream, next) => {
    void text(stream).then((body) => {
      seen.push({ name: h.name, ...(h.mode !== undefined ? { mode: h.mode } : {}), body });
      next();
    });
  });
  const done = new Promise<void>((r) => x.on('finish', () => r()));
  contextTar(files).pipe(x);
  await done;
  t.deepEqual(seen, [
    { name: 'Dockerfile', mode: 0o644, body: 'FROM x\n' },
    { name: 'entrypoint.sh', mode: 0o755, body: '#!/bin/sh\n' },
  ]);
});

test('the Dockerfile builds FROM a BASE argument that defaults to debian:bookworm', async (t) => {
  const d = await dockerfile();
  t.regex(d, /^ARG BASE=debian:bookworm$/m);
  const froms = [...d.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
  t.deepEqual(froms, ['${BASE}', '${BASE}']);
});

test('the Dockerfile installs every kernel build package the host would need, and QEMU from bookworm-backports', async (t) => {
  const d = await dockerfile();
  const installs = [...d.matchAll(/apt-get install[^;]*/g)].map((m) => m[0].replace(/\\\n/g, ' '));
  const words = new Set(installs.join(' ').split(/\s+/));
  for (const p of BUILD_PACKAGES) t.true(words.has(p), p);
  t.true(installs.some((i) => /-t bookworm-backports\s+qemu-system-x86/.test(i)));
});

test('the Dockerfile uses the Debian mirror and the npm registry, nothing else', async (t) => {
  const urls = new Set((await dockerfile()).match(/https?:\/\/[^\s'"]+/g));
  t.deepEqual([...urls].sort(), ['http://deb.debian.org/debian', 'https://registry.npmjs.org/']);
});
