// Builds the harness image from the recipe through the engine, once per recipe hash; the build's output goes to a log file.
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type Docker from 'dockerode';
import { HarnessError } from '../common/errors.ts';
import { cachePath } from '../common/paths.ts';
import type { BaseImage } from './docker-base.ts';
import { contextTar, imageTag, readRecipe, recipeHash } from './docker-recipe.ts';

export const RECIPE_LABEL = 'cxl-harness.recipe';

export interface HarnessImage {
  tag: string;
  hash: string;
  /** Set when this call built it. */
  builtS?: number;
}

interface BuildEvent {
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/** The image for `base`: found by its recipe tag, or built now (host network: the build reaches the Debian mirror and npm). */
export async function ensureImage(docker: Docker, base: BaseImage, log: (line: string) => void, signal?: AbortSignal): Promise<HarnessImage> {
  const files = await readRecipe();
  const buildArgs = { BASE: base.ref };
  const hash = recipeHash(files, buildArgs, base.id);
  const tag = imageTag(hash);
  if (await docker.getImage(tag).inspect().then(() => true, () => false)) return { tag, hash };
  await mkdir(cachePath('docker'), { recursive: true });
  const logFile = cachePath('docker', `build-${hash.slice(0, 12)}.log`);
  log(`building ${tag} from images/docker on ${base.ref} (once per recipe; log: ${logFile})`);
  const out = createWriteStream(logFile);
  const tail: string[] = [];
  const started = Date.now();
  let failure: string | undefined;
  try {
    const stream = await docker.buildImage(contextTar(files), {
      t: tag,
      buildargs: buildArgs,
      labels: { [RECIPE_LABEL]: hash },
      networkmode: 'host',
      rm: true,
      forcerm: true,
      pull: false,
      ...(signal ? { abortSignal: signal } : {}),
    });
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        (err) => (err ? reject(err) : resolve()),
        (e: BuildEvent) => {
          const text = e.stream ?? (e.error ? `ERROR: ${e.errorDetail?.message ?? e.error}\n` : '');
          if (e.error) failure = e.errorDetail?.message ?? e.error;
          out.write(text);
          for (const line of text.split('\n').filter(Boolean)) {
            tail.push(line);
            if (tail.length > 15) tail.shift();
            if (/^Step \d+\/\d+ :/.test(line)) log(`  ${line.length > 140 ? `${line.slice(0, 140)}…` : line}`);
          }
        },
      );
    });
  } catch (err) {
    failure ??= signal?.aborted ? 'interrupted' : (err as Error).message;
  } finally {
    await new Promise((r) => out.end(r));
  }
  if (failure) throw new HarnessError(`building the harness image failed: ${failure}`, { stage: 'runtime', details: [...tail, `full log: ${logFile}`] });
  const builtS = Math.round((Date.now() - started) / 100) / 10;
  log(`built ${tag} in ${builtS} s`);
  return { tag, hash, builtS };
}
