/**
 * Default datastore configuration templates, rendered from the flavor. The taskmanager renders them into
 * `config_contents` for `prepare`; a guest that receives no `config_contents` renders the same default
 * itself, so both sides agree on what "the default configuration" is.
 */
import { NotSupportedError, ValidationError } from '../errors/index.js';
import type { TemplateContext } from './context.js';
import { renderMysqlConfig } from './mysql.js';
import { renderPostgresqlConfig } from './postgresql.js';

export type { TemplateContext } from './context.js';

const RENDERERS: Readonly<Record<string, (context: TemplateContext) => string>> = {
  mysql: renderMysqlConfig,
  mariadb: renderMysqlConfig,
  postgresql: renderPostgresqlConfig,
};

/** Input of `renderConfig`. @default serverId 1 */
export interface RenderConfigOptions {
  memoryMb: number;
  serverId?: number;
}

/**
 * Renders the default configuration file of a datastore manager for a flavor.
 * @throws ValidationError for a non-positive memory size
 * @throws NotSupportedError for a manager without a template
 */
export function renderConfig(manager: string, options: RenderConfigOptions): string {
  const render = Object.prototype.hasOwnProperty.call(RENDERERS, manager) ? RENDERERS[manager] : undefined;
  if (render === undefined) throw new NotSupportedError('render_config', manager);
  if (!Number.isFinite(options.memoryMb) || options.memoryMb <= 0) {
    throw new ValidationError(`memory_mb must be a positive number, got ${String(options.memoryMb)}.`);
  }
  const serverId = options.serverId ?? 1;
  if (!Number.isInteger(serverId) || serverId < 1 || serverId > 4_294_967_295) {
    throw new ValidationError(`server id must be an integer in [1, 4294967295], got ${String(serverId)}.`);
  }
  return render({ memoryMb: options.memoryMb, serverId });
}

/** Managers with a default template. */
export function hasTemplate(manager: string): boolean {
  return Object.prototype.hasOwnProperty.call(RENDERERS, manager);
}
