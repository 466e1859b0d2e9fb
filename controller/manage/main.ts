#!/usr/bin/env node
/**
 * Entry point of `trove-manage`, the operator's CLI (reference §11): schema migrations, datastores and
 * versions, configuration parameters, and the sample config and policy generators. Every command prints one
 * readable line and exits non-zero on failure, leaving the database unchanged.
 */
import { Command, CommanderError } from 'commander';
import { generateSampleConfig } from '../../shared/config/index.js';
import { reportFatal } from '../../shared/process/index.js';

export function buildProgram(): Command {
  const program = new Command('trove-manage')
    .description('trove-ts management utility')
    .option('--config-file <path>', 'configuration file (repeatable, later files win)', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .option('--config-dir <path>', 'directory of *.conf files read after the files (repeatable)', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .showHelpAfterError()
    .exitOverride();

  program
    .command('generate-config')
    .description('print a sample trove.conf with every option, its help text and default')
    .action(() => {
      process.stdout.write(generateSampleConfig());
    });
  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  process.exit(reportFatal('trove-manage', error));
}
