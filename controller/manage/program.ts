/**
 * Builds the trove-manage program (commander) from the command registry and maps failures to exit
 * statuses: 2 for usage and configuration errors, 1 for everything else. A failure is one line on stderr.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError, ErrorCode, TroveError } from '../../shared/errors/index.js';
import { COMMANDS, type ManageCommandRegistration } from './commands/index.js';
import { ManageRuntime, type ManageOutput } from './runtime.js';

const collect = (value: string, previous: string[]) => [...previous, value];

const STANDARD_OUTPUT: ManageOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/**
 * The program with every registered command plus `extraCommands`.
 * @param output where commands write (default: the process's stdout and stderr)
 */
export function buildProgram(extraCommands: readonly ManageCommandRegistration[] = [], output: ManageOutput = STANDARD_OUTPUT): Command {
  const program = new Command('trove-manage')
    .description('trove-ts management utility')
    .option('--config-file <path>', 'configuration file (repeatable, later files win)', collect, [] as string[])
    .option('--config-dir <path>', 'directory of *.conf files read after the files (repeatable)', collect, [] as string[])
    .configureOutput({
      writeOut: (text) => output.stdout(text),
      writeErr: (text) => output.stderr(text),
      outputError: (text, write) => write(`trove-manage: ${text.replace(/^error: /, '').trim()} (see --help)\n`),
    })
    .exitOverride();
  const runtime = new ManageRuntime(program, output);
  for (const register of [...COMMANDS, ...extraCommands]) register(program, runtime);
  for (const command of program.commands) {
    command.configureOutput(program.configureOutput()).exitOverride();
  }
  return program;
}

/** The exit status trove-manage ends with after `error`. */
export function exitStatusFor(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  if (error instanceof ConfigError) return 2;
  if (error instanceof TroveError && error.code === ErrorCode.VALIDATION_ERROR && error.details?.['usage'] === true) return 2;
  return 1;
}

/** The one stderr line for `error` (commander already printed its own). */
export function errorLine(error: unknown): string | undefined {
  if (error instanceof CommanderError) return undefined;
  const original = (error as { original?: { code?: string } }).original;
  let message = error instanceof Error ? error.message : String(error);
  if (original?.code === 'ER_NO_SUCH_TABLE') message += ' (run trove-manage db_sync first)';
  return `trove-manage: ${message.replace(/\s*\n\s*/g, ' ').trim()}\n`;
}

/** Runs trove-manage on `argv` (as in process.argv) and returns its exit status. */
export async function runManage(argv: readonly string[], extraCommands: readonly ManageCommandRegistration[] = [], output: ManageOutput = STANDARD_OUTPUT): Promise<number> {
  const program = buildProgram(extraCommands, output);
  if (argv.length <= 2) {
    program.outputHelp({ error: true });
    return 2;
  }
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (error) {
    const line = errorLine(error);
    if (line) output.stderr(line);
    return exitStatusFor(error);
  }
}
