// The harness's version, as package.json gives it: in every report and bundle.
import { readFileSync } from 'node:fs';
import { projectPath } from '../common/project.ts';

export const HARNESS_VERSION = (JSON.parse(readFileSync(projectPath('package.json'), 'utf8')) as { version: string }).version;
