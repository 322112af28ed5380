#!/usr/bin/env node
/** `wmi-workbench <command> …`: the command-line entry point. */
import { UsageError, type CliIO } from './command';
import { COMMANDS } from './commands';

function usage(): string {
  return [
    'WMI Workbench: find malicious WMI activity in Windows log collections (offline).',
    '',
    'Usage:',
    ...COMMANDS.map((c) => `  ${c.usage}\n      ${c.summary}`),
    '',
    'Run `wmi-workbench <command> --help` for the options of one command.',
  ].join('\n');
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    io.stderr.write(`wmi-workbench: unknown command '${name}'\n\n${usage()}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`Usage: ${cmd.usage}\n${cmd.summary}\n`);
    return 0;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`wmi-workbench ${name}: ${e.message}\nUsage: ${cmd.usage}\n`);
      return 2;
    }
    io.stderr.write(`wmi-workbench ${name}: ${(e as Error).message}\n`);
    return 1;
  }
}

/** A reader that stops early (`| head`) closes the pipe: end quietly instead of with a stack trace. */
function exitQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw e;
  });
}

/** The process entry point (`npx wmi-workbench`, linked to this file's compiled form by build/link-local-bin.js). */
export function runCli(argv: string[]): void {
  exitQuietlyOnClosedPipe(process.stdout);
  main(argv, { stdout: process.stdout, stdoutFd: 1, stderr: process.stderr, interactive: process.stderr.isTTY === true }).then((code) => {
    process.exitCode = code;
  });
}

if (require.main === module) runCli(process.argv.slice(2));
