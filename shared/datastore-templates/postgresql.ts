/**
 * The default PostgreSQL server configuration for a flavor, the counterpart of Trove's
 * `templates/postgresql/config.template`. Address, port, socket and authentication file are written by the
 * guest agent as system overrides in the include directory, which is read last and therefore wins.
 */
import type { TemplateContext } from './context.js';

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.floor(value)));
}

/** Renders `postgresql.conf`. */
export function renderPostgresqlConfig(context: TemplateContext): string {
  const ram = context.memoryMb;
  const sharedBuffersMb = clamp(ram * 0.25, 32, 65_536);
  const effectiveCacheMb = clamp(ram * 0.75, 64, 1_048_576);
  const maintenanceMb = clamp(ram / 16, 16, 2048);
  const workMemKb = clamp((ram * 1024) / 256, 4096, 262_144);
  const maxConnections = clamp((ram / 512) * 100, 100, 1000);
  const lines = [
    '# Rendered by trove-ts for a flavor with ' + String(ram) + ' MB of RAM.',
    `max_connections = ${maxConnections}`,
    `shared_buffers = ${sharedBuffersMb}MB`,
    `effective_cache_size = ${effectiveCacheMb}MB`,
    `maintenance_work_mem = ${maintenanceMb}MB`,
    `work_mem = ${workMemKb}kB`,
    "password_encryption = 'scram-sha-256'",
    'wal_level = replica',
    'max_wal_senders = 10',
    'checkpoint_completion_target = 0.9',
    'random_page_cost = 1.1',
    "log_destination = 'stderr'",
    'logging_collector = off',
    "log_line_prefix = '%m [%p] %q%u@%d '",
    "datestyle = 'iso, mdy'",
    "timezone = 'UTC'",
    "lc_messages = 'C.UTF-8'",
    "default_text_search_config = 'pg_catalog.english'",
    '',
    "include_dir = '/etc/postgresql/conf.d'",
    '',
  ];
  return lines.join('\n');
}
