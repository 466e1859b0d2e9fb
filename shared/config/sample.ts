/**
 * The sample configuration (`trove-manage generate-config`), in oslo-config-generator's layout: every
 * section and option with its help text, type and default, commented out.
 */
import type { Option, OptionGroup } from './options.js';
import { schema } from './schema.js';

function wrap(text: string, width = 76): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

function formatDefault(option: Option<unknown>): string {
  const value = option.default;
  if (value === null || value === undefined) return '<None>';
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'object') return Object.entries(value as Record<string, string>).map(([k, v]) => `${k}:${v}`).join(',');
  return String(value);
}

/** Renders the sample config text. */
export function generateSampleConfig(): string {
  const out: string[] = [];
  for (const [sectionName, group] of Object.entries(schema) as [string, OptionGroup][]) {
    out.push(`[${sectionName}]`, '');
    for (const [name, option] of Object.entries(group)) {
      out.push('#');
      for (const line of wrap(option.doc)) out.push(`# ${line}`);
      const notes = [`(${option.trove.typeName})`];
      if (option.sensitive) notes.push('secret: never logged');
      if (option.trove.deprecatedNames?.length) notes.push(`deprecated names: ${option.trove.deprecatedNames.join(', ')}`);
      out.push(`# ${notes.join('; ')}`);
      out.push(`#${name} = ${formatDefault(option)}`, '');
    }
  }
  return `${out.join('\n')}\n`;
}
