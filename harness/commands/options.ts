// Options of a subcommand: node's parseArgs, its complaints turned into input errors that show the command's usage.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { inputError } from '../common/errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseOptions<T extends Options>(argv: string[], options: T, usage: string) {
  try {
    return parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw inputError('command line', 'options', argv.join(' '), `${(err as Error).message}\n${usage}`);
  }
}
