/**
 * What trove-manage commands share: the configuration named by the program's `--config-file` and
 * `--config-dir` options (loaded once, on first use), the database (opened on first use, closed when the
 * command ends), and the output streams. Commands print progress on stdout; warnings go to stderr.
 */
import type { Command } from 'commander';
import { defaultConfigFiles, loadConfig, type TroveConfig } from '../../shared/config/index.js';
import { ValidationError } from '../../shared/errors/index.js';
import { openDatabase, type Database } from '../db/connection.js';

/** Where a command writes; tests and embedders may capture it. */
export interface ManageOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Options the program itself takes, before or after the command name. */
interface ProgramOptions {
  configFile?: string[];
  configDir?: string[];
}

/** Shared services of one trove-manage run. */
export class ManageRuntime {
  readonly #program: Command;
  readonly #output: ManageOutput;
  #config: TroveConfig | undefined;
  #database: Promise<Database> | undefined;

  constructor(program: Command, output: ManageOutput) {
    this.#program = program;
    this.#output = output;
  }

  /** Prints one line of progress on stdout. */
  say(line: string): void {
    this.#output.stdout(`${line}\n`);
  }

  /** Prints one warning line on stderr. */
  warn(line: string): void {
    this.#output.stderr(`trove-manage: warning: ${line}\n`);
  }

  /** Writes text on stdout as is. */
  write(text: string): void {
    this.#output.stdout(text);
  }

  /** The configuration; the default trove.conf search path applies when no file or dir was given. */
  config(): TroveConfig {
    if (this.#config) return this.#config;
    const options = this.#program.opts<ProgramOptions>();
    const configFiles = options.configFile ?? [];
    const configDirs = options.configDir ?? [];
    const sources = configFiles.length === 0 && configDirs.length === 0 ? { configFiles: defaultConfigFiles('trove'), configDirs: [] } : { configFiles, configDirs };
    const loaded = loadConfig(sources);
    for (const warning of loaded.warnings) this.warn(warning);
    this.#config = loaded.config;
    return loaded.config;
  }

  /** The database from `[database]`, connected on first use (with at least two pooled connections: migrations lock on one). */
  async database(): Promise<Database> {
    if (!this.#database) {
      const settings = this.config().database;
      this.#database = openDatabase({ ...settings, max_pool_size: Math.max(2, settings.max_pool_size) });
    }
    return this.#database;
  }

  /** Closes the database if a command opened it. */
  async close(): Promise<void> {
    const pending = this.#database;
    this.#database = undefined;
    if (pending) await (await pending.catch(() => undefined))?.close();
  }

  /** Wraps a command action so the database is closed however the action ends. */
  action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
    return async (...args: A) => {
      try {
        await fn(...args);
      } finally {
        await this.close();
      }
    };
  }
}

/** Thrown for a bad command-line argument; trove-manage exits with status 2. */
export function usageError(message: string): ValidationError {
  return new ValidationError(message, { usage: true });
}

/** Checks a string argument against a column's length. */
export function checkLength(what: string, value: string, max: number): string {
  if (value.length > max) throw usageError(`${what} is longer than ${max} characters`);
  return value;
}

/** Splits a comma-separated argument, trimming and dropping empty items. */
export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
