// Every series definition the project knows: scenarios/series/<name>/series.yaml and its facts.yaml, loaded once.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { projectPath } from '../../common/project.ts';
import { FACTS_FILE, registerFacts } from '../facts.ts';
import { SERIES, type SeriesDef } from './schema.ts';

export const SERIES_DIR = projectPath('scenarios/series');
/** Files of a series folder that are not scenarios. */
export const DEFINITION_FILES = ['series.yaml', 'facts.yaml'];

let loaded: (SeriesDef & { dir: string })[] | undefined;

export function definitions(): (SeriesDef & { dir: string })[] {
  if (loaded) return loaded;
  loaded = [];
  for (const name of readdirSync(SERIES_DIR).sort()) {
    const dir = join(SERIES_DIR, name);
    const file = join(dir, 'series.yaml');
    if (!existsSync(file)) continue;
    const def = SERIES.parse(parse(readFileSync(file, 'utf8')));
    const facts = join(dir, 'facts.yaml');
    if (existsSync(facts)) registerFacts(FACTS_FILE.parse(parse(readFileSync(facts, 'utf8'))).facts, facts);
    loaded.push({ ...def, dir });
  }
  return loaded;
}

/** The series a kernel carries: every driver and symbol the definition names is there. */
export function seriesOnKernel(caps: { cxlDrivers: string[]; daxDrivers: string[]; symbols: string[] }): string[] {
  return definitions()
    .filter((d) => d.provides.cxlDrivers.every((x) => caps.cxlDrivers.includes(x)) && d.provides.daxDrivers.every((x) => caps.daxDrivers.includes(x)) && d.provides.symbols.every((x) => caps.symbols.includes(x)))
    .filter((d) => d.provides.cxlDrivers.length + d.provides.daxDrivers.length + d.provides.symbols.length > 0)
    .map((d) => d.name);
}

/** Definitions whose subjects match the patches given with --series. */
export function seriesForPatches(subjects: string[]): string[] {
  return definitions()
    .filter((d) => d.subjects.some((s) => subjects.some((p) => p.includes(s))))
    .map((d) => d.name);
}
