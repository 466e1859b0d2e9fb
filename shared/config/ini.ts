/**
 * An oslo.config-compatible INI reader. It keeps what `ini`-style parsers lose: the file and line of every
 * value (for error messages), repeated keys (MultiStrOpt), indented continuation lines, and the DEFAULT
 * section name as written. Quotes around a whole value are stripped, as oslo's iniparser does.
 */

/** One `name = value` occurrence. */
export interface IniEntry {
  value: string;
  file: string;
  line: number;
}

/** Parsed file: section → option → every occurrence in order. */
export type IniData = Map<string, Map<string, IniEntry[]>>;

/** Thrown for text that is not INI; carries the file and line. */
export class IniSyntaxError extends Error {
  constructor(readonly file: string, readonly line: number, reason: string) {
    super(`${file}:${line}: ${reason}`);
    this.name = 'IniSyntaxError';
  }
}

function unquote(value: string): string {
  if (value.length >= 2 && value[0] === value[value.length - 1] && (value[0] === '"' || value[0] === "'")) {
    return value.slice(1, -1);
  }
  return value;
}

/** Parses INI text; `file` only labels errors and entries. */
export function parseIni(text: string, file: string): IniData {
  const data: IniData = new Map();
  let section: Map<string, IniEntry[]> | undefined;
  let last: IniEntry | undefined;
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index] ?? '';
    const lineNo = index + 1;
    if (raw.trim() === '' ) {
      last = undefined;
      continue;
    }
    const first = raw.trimStart()[0];
    if (first === '#' || first === ';') continue;
    if (/^\s/.test(raw)) {
      // An indented line continues the previous value (oslo iniparser).
      if (last === undefined) throw new IniSyntaxError(file, lineNo, 'unexpected continuation line');
      last.value = last.value === '' ? raw.trim() : `${last.value}\n${raw.trim()}`;
      continue;
    }
    if (raw.startsWith('[')) {
      const match = /^\[([^\]]+)\]\s*$/.exec(raw);
      if (!match?.[1] || match[1].trim() === '') throw new IniSyntaxError(file, lineNo, 'invalid section header');
      const name = match[1].trim();
      section = data.get(name) ?? new Map();
      data.set(name, section);
      last = undefined;
      continue;
    }
    const separator = raw.search(/[=:]/);
    if (separator <= 0) throw new IniSyntaxError(file, lineNo, `expected "name = value", got ${JSON.stringify(raw.trim())}`);
    if (section === undefined) throw new IniSyntaxError(file, lineNo, 'value outside of any [section]');
    const name = raw.slice(0, separator).trim();
    const entry: IniEntry = { value: unquote(raw.slice(separator + 1).trim()), file, line: lineNo };
    const entries = section.get(name) ?? [];
    entries.push(entry);
    section.set(name, entries);
    last = entry;
  }
  return data;
}

/**
 * Appends `later` to `earlier`. Every occurrence is kept in order: single-valued options take the last one
 * (later files win), multi-valued options take them all, as oslo.config does.
 */
export function mergeIni(earlier: IniData, later: IniData): IniData {
  for (const [sectionName, options] of later) {
    const target = earlier.get(sectionName) ?? new Map<string, IniEntry[]>();
    for (const [name, entries] of options) target.set(name, [...(target.get(name) ?? []), ...entries]);
    earlier.set(sectionName, target);
  }
  return earlier;
}
