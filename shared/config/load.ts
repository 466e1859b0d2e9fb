/**
 * Loads trove.conf the way oslo.config does: `--config-file` (repeatable, later files win), then every
 * `*.conf` of each `--config-dir` in name order. Unknown sections and options produce warnings; values of
 * the wrong type produce one `ConfigError` naming file, line, section, option and expected type.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors/index.js';
import type { Option, OptionGroup } from './options.js';
import { coerceOption } from './coerce.js';
import { IniSyntaxError, mergeIni, parseIni, type IniData } from './ini.js';
import { createConvict, isSection, schema, type SectionName, type TroveConfig } from './schema.js';

/** Where configuration comes from. */
export interface ConfigSources {
  /** Files in the order given; later files win. */
  configFiles: string[];
  /** Directories whose `*.conf` files are read after the files, in name order. */
  configDirs: string[];
}

/** A loaded configuration with what the loader noticed on the way. */
export interface LoadedConfig {
  config: TroveConfig;
  /** Unknown sections or options and deprecated names, one readable line each. */
  warnings: string[];
  /** The files actually read, in order. */
  files: string[];
}

/** Options every process accepts before its own arguments. */
export interface ParsedArgs extends ConfigSources {
  /** Arguments that are not config options, in order. */
  rest: string[];
}

/** Splits `--config-file X`, `--config-file=X`, `--config-dir D` out of an argument list. */
export function parseConfigArgs(argv: readonly string[]): ParsedArgs {
  const parsed: ParsedArgs = { configFiles: [], configDirs: [], rest: [] };
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? '';
    const match = /^--(config-file|config-dir)(?:=(.*))?$/.exec(arg);
    if (!match) {
      parsed.rest.push(arg);
      continue;
    }
    const value = match[2] ?? argv[++index];
    if (value === undefined || value === '') throw new ConfigError(`--${match[1]} needs a path`);
    (match[1] === 'config-file' ? parsed.configFiles : parsed.configDirs).push(value);
  }
  return parsed;
}

/** oslo.config's default search path for `project`, used when no file or dir is given. */
export function defaultConfigFiles(project = 'trove'): string[] {
  const candidates = [
    join(homedir(), `.${project}`, `${project}.conf`),
    join(homedir(), `${project}.conf`),
    `/etc/${project}/${project}.conf`,
    `/etc/${project}.conf`,
  ];
  const found = candidates.find((file) => existsSync(file));
  return found ? [found] : [];
}

function readSources(sources: ConfigSources): { data: IniData; files: string[] } {
  const files: string[] = [];
  for (const file of sources.configFiles) {
    if (!existsSync(file) || !statSync(file).isFile()) throw new ConfigError(`Config file not found: ${file}`);
    files.push(file);
  }
  for (const dir of sources.configDirs) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ConfigError(`Config directory not found: ${dir}`);
    for (const name of readdirSync(dir).filter((entry) => entry.endsWith('.conf')).sort()) files.push(join(dir, name));
  }
  let data: IniData = new Map();
  for (const file of files) {
    try {
      data = mergeIni(data, parseIni(readFileSync(file, 'utf8'), file));
    } catch (error) {
      if (error instanceof IniSyntaxError) throw new ConfigError(`Invalid config file: ${error.message}`);
      throw new ConfigError(`Cannot read config file ${file}: ${(error as Error).message}`);
    }
  }
  return { data, files };
}

function findOption(group: OptionGroup, name: string): { key: string; deprecated: boolean } | undefined {
  if (Object.prototype.hasOwnProperty.call(group, name)) return { key: name, deprecated: false };
  for (const [key, option] of Object.entries(group)) {
    if (option.trove.deprecatedNames?.includes(name)) return { key, deprecated: true };
  }
  return undefined;
}

/**
 * Loads and validates configuration. `overrides` (tests, single-host backends) are applied last.
 * @throws ConfigError for unreadable files, INI syntax errors and values of the wrong type
 */
export function loadConfig(sources: ConfigSources, overrides: DeepPartial<TroveConfig> = {}): LoadedConfig {
  const { data, files } = readSources(sources);
  const warnings: string[] = [];
  const errors: string[] = [];
  const values: Record<string, Record<string, unknown>> = {};

  for (const [sectionName, options] of data) {
    if (!isSection(sectionName)) {
      const where = [...options.values()][0]?.[0];
      warnings.push(`${where ? `${where.file}: ` : ''}unknown section [${sectionName}] ignored`);
      continue;
    }
    const group: OptionGroup = schema[sectionName];
    for (const [name, entries] of options) {
      const last = entries[entries.length - 1];
      if (last === undefined) continue;
      const found = findOption(group, name);
      if (!found) {
        warnings.push(`${last.file}:${last.line}: unknown option [${sectionName}] ${name} ignored`);
        continue;
      }
      if (found.deprecated) {
        warnings.push(`${last.file}:${last.line}: [${sectionName}] ${name} is deprecated, use ${found.key}`);
        // The current name wins when a file sets both, as in oslo.config.
        if (options.has(found.key)) continue;
      }
      const option = group[found.key] as Option<unknown>;
      try {
        (values[sectionName] ??= {})[found.key] = coerceOption(option.trove, entries.map((entry) => entry.value));
      } catch (error) {
        errors.push(`${last.file}:${last.line}: [${sectionName}] ${name} = ${JSON.stringify(last.value)}: ${(error as Error).message}`);
      }
    }
  }
  if (errors.length > 0) throw new ConfigError(`Invalid configuration: ${errors.join('; ')}`, { errors });

  const store = createConvict();
  store.load(values);
  store.load(overrides as Record<string, unknown>);
  try {
    store.validate({ allowed: 'strict' });
  } catch (error) {
    throw new ConfigError(`Invalid configuration: ${(error as Error).message.replace(/\n/g, '; ')}`);
  }
  return { config: store.getProperties(), warnings, files };
}

/** The built-in defaults with optional overrides, for tests and tools. */
export function defaultConfig(overrides: DeepPartial<TroveConfig> = {}): TroveConfig {
  return loadConfig({ configFiles: [], configDirs: [] }, overrides).config;
}

/** A configuration printable in logs: secret options are replaced by `***`. */
export function redactedConfig(config: TroveConfig): Record<string, Record<string, unknown>> {
  const result: Record<string, Record<string, unknown>> = {};
  for (const sectionName of Object.keys(schema) as SectionName[]) {
    const group: OptionGroup = schema[sectionName];
    const section: Record<string, unknown> = {};
    for (const [key, option] of Object.entries(group)) {
      const value = (config[sectionName] as Record<string, unknown>)[key];
      section[key] = option.sensitive && value !== null && value !== '' ? '***' : value;
    }
    result[sectionName] = section;
  }
  return result;
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends Record<string, unknown> ? DeepPartial<T[K]> : T[K] };
