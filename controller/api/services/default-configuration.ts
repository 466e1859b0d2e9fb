/**
 * `GET /instances/{id}/configuration`: the default configuration rendered for the instance's flavor
 * (Trove's `render_dict`), as a flat `{key: value}` map of the rendered file's settings.
 */
import type { DatastoreManager } from '../../../shared/config/index.js';
import { hasTemplate, renderConfig } from '../../../shared/datastore-templates/index.js';

/** The settings of a rendered config file: `key = value` lines, comments and section headers skipped. */
export function configurationPairs(text: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';') || line.startsWith('[') || line.startsWith('!')) continue;
    const match = /^([^=\s]+)\s*=\s*(.*)$/.exec(line);
    if (match) pairs[match[1] as string] = (match[2] as string).replace(/^'(.*)'$/, '$1');
    else pairs[line] = '';
  }
  return pairs;
}

export function renderDefaultConfiguration(manager: DatastoreManager | null, memoryMb: number): Record<string, string> {
  if (manager === null || !hasTemplate(manager) || memoryMb <= 0) return {};
  return configurationPairs(renderConfig(manager, { memoryMb }));
}
