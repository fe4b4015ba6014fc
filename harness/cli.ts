// Command line: `cxl-harness <command> …`, --help for each command, --version; errors become their exit codes.
import { readFileSync } from 'node:fs';
import { HarnessError } from './common/errors.ts';
import { projectPath } from './common/project.ts';
import { loadCommand, loadCommands } from './commands/index.ts';

const VERSION = (JSON.parse(readFileSync(projectPath('package.json'), 'utf8')) as { version: string }).version;

async function overview(): Promise<string> {
  const commands = await loadCommands();
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `cxl-harness ${VERSION}: validates Linux CXL behaviour on QEMU-emulated memory expanders against a reference model`,
    '',
    'usage: cxl-harness <command> [options]      (cxl-harness <command> --help for its options)',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${await overview()}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = await loadCommand(name);
  if (!command) {
    process.stderr.write(`unknown command "${name}"\n\n${await overview()}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  return command.main(rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof HarnessError ? err.format() : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(err instanceof HarnessError ? err.exitCode : 4);
  },
);
