/**
 * Option builders for the one convict schema. Each builder returns a convict schema entry (doc, format,
 * default, sensitive) plus `trove` metadata that the oslo-style INI loader uses to coerce strings and to
 * name the expected type in errors. The TypeScript type of every option is inferred from its builder.
 */

declare const optionType: unique symbol;

/** How an option's INI string is parsed, as in oslo.config's types. */
export type OptionKind = 'string' | 'integer' | 'float' | 'boolean' | 'list' | 'dict' | 'port' | 'multi';

export interface OptionMeta {
  kind: OptionKind;
  /** Allowed values (string options). */
  choices?: readonly string[];
  min?: number;
  max?: number;
  /** Old names still accepted in the same group, with a warning (oslo `deprecated_name`). */
  deprecatedNames?: readonly string[];
  /** Shown as `<type>` in the sample config and in error messages. */
  typeName: string;
}

/** One option of the schema; `T` is the value's TypeScript type after loading. */
export interface Option<T> {
  doc: string;
  default: T;
  format: (value: unknown) => void;
  sensitive?: boolean;
  nullable?: boolean;
  trove: OptionMeta;
  readonly [optionType]?: T;
}

/** A group of options, i.e. one `[section]` of trove.conf. */
export type OptionGroup = Record<string, Option<unknown>>;

/** The loaded values of a group. */
export type GroupValues<G extends OptionGroup> = { -readonly [K in keyof G]: G[K] extends Option<infer T> ? T : never };

interface CommonOptions {
  secret?: boolean;
  deprecatedNames?: readonly string[];
}

function typeError(expected: string, value: unknown): Error {
  return new Error(`expected ${expected}, got ${JSON.stringify(value)}`);
}

function build<T>(
  kind: OptionKind,
  typeName: string,
  defaultValue: T,
  doc: string,
  check: (value: unknown) => void,
  common: CommonOptions & { choices?: readonly string[]; min?: number; max?: number } = {},
): Option<T> {
  const meta: OptionMeta = { kind, typeName };
  if (common.choices) meta.choices = common.choices;
  if (common.min !== undefined) meta.min = common.min;
  if (common.max !== undefined) meta.max = common.max;
  if (common.deprecatedNames) meta.deprecatedNames = common.deprecatedNames;
  const option: Option<T> = {
    doc,
    default: defaultValue,
    format: (value: unknown) => {
      if (value === null && defaultValue === null) return;
      check(value);
    },
    trove: meta,
  };
  if (common.secret) option.sensitive = true;
  if (defaultValue === null) option.nullable = true;
  return option;
}

function checkRange(value: number, min: number | undefined, max: number | undefined, expected: string): void {
  if ((min !== undefined && value < min) || (max !== undefined && value > max)) throw typeError(expected, value);
}

function describeRange(base: string, min?: number, max?: number): string {
  if (min !== undefined && max !== undefined) return `${base} in [${min}, ${max}]`;
  if (min !== undefined) return `${base} >= ${min}`;
  if (max !== undefined) return `${base} <= ${max}`;
  return base;
}

export const opt = {
  string<D extends string | null>(defaultValue: D, doc: string, options: CommonOptions & { choices?: readonly string[] } = {}): Option<D extends null ? string | null : string> {
    const typeName = options.choices ? `string, one of ${options.choices.join(', ')}` : 'string';
    return build('string', typeName, defaultValue as unknown as D extends null ? string | null : string, doc, (value) => {
      if (typeof value !== 'string') throw typeError('a string', value);
      if (options.choices && !options.choices.includes(value)) throw typeError(`one of ${options.choices.join(', ')}`, value);
    }, options);
  },
  integer<D extends number | null>(defaultValue: D, doc: string, options: CommonOptions & { min?: number; max?: number } = {}): Option<D extends null ? number | null : number> {
    const typeName = describeRange('integer', options.min, options.max);
    return build('integer', typeName, defaultValue as unknown as D extends null ? number | null : number, doc, (value) => {
      if (typeof value !== 'number' || !Number.isInteger(value)) throw typeError('an integer', value);
      checkRange(value, options.min, options.max, typeName);
    }, options);
  },
  float(defaultValue: number, doc: string, options: CommonOptions & { min?: number; max?: number } = {}): Option<number> {
    const typeName = describeRange('float', options.min, options.max);
    return build('float', typeName, defaultValue, doc, (value) => {
      if (typeof value !== 'number' || Number.isNaN(value)) throw typeError('a number', value);
      checkRange(value, options.min, options.max, typeName);
    }, options);
  },
  boolean(defaultValue: boolean, doc: string, options: CommonOptions = {}): Option<boolean> {
    return build('boolean', 'boolean', defaultValue, doc, (value) => {
      if (typeof value !== 'boolean') throw typeError('a boolean', value);
    }, options);
  },
  port(defaultValue: number, doc: string, options: CommonOptions = {}): Option<number> {
    return build('port', 'port number in [0, 65535]', defaultValue, doc, (value) => {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65535) throw typeError('a port number', value);
    }, options);
  },
  list(defaultValue: readonly string[], doc: string, options: CommonOptions = {}): Option<string[]> {
    return build('list', 'comma-separated list', [...defaultValue], doc, (value) => {
      if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw typeError('a list of strings', value);
    }, options);
  },
  /** A value that may be given on several lines (oslo MultiStrOpt): every occurrence is kept, in order. */
  multi(defaultValue: readonly string[], doc: string, options: CommonOptions = {}): Option<string[]> {
    return build('multi', 'multi-valued string', [...defaultValue], doc, (value) => {
      if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw typeError('a list of strings', value);
    }, options);
  },
  dict(defaultValue: Readonly<Record<string, string>>, doc: string, options: CommonOptions = {}): Option<Record<string, string>> {
    return build('dict', 'dict of key:value pairs', { ...defaultValue }, doc, (value) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw typeError('a dict', value);
    }, options);
  },
};
