/**
 * The default MySQL/MariaDB server configuration for a flavor, the counterpart of Trove's
 * `templates/mysql/config.template`. Paths, address and port are not here: the guest agent writes them as
 * system overrides that always win, so a rendered template never pins an instance to one host layout.
 */
import type { TemplateContext } from './context.js';

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.floor(value)));
}

/** Renders `my.cnf` for MySQL or MariaDB. */
export function renderMysqlConfig(context: TemplateContext): string {
  const ram = context.memoryMb;
  const bufferPoolMb = clamp(ram * 0.5, 64, 1_048_576);
  const maxConnections = clamp((ram / 512) * 100, 100, 5000);
  const tableOpenCache = clamp((ram / 512) * 256, 256, 32_768);
  const tmpTableMb = clamp(ram / 64, 16, 256);
  const threadCache = clamp(ram / 128, 8, 512);
  const lines = [
    '# Rendered by trove-ts for a flavor with ' + String(ram) + ' MB of RAM.',
    '[client]',
    'default-character-set = utf8mb4',
    '',
    '[mysqld]',
    'skip-name-resolve',
    'skip-external-locking',
    'character-set-server = utf8mb4',
    'collation-server = utf8mb4_general_ci',
    'default-storage-engine = innodb',
    `max_connections = ${maxConnections}`,
    'max_allowed_packet = 64M',
    `table_open_cache = ${tableOpenCache}`,
    `thread_cache_size = ${threadCache}`,
    `tmp_table_size = ${tmpTableMb}M`,
    `max_heap_table_size = ${tmpTableMb}M`,
    'sort_buffer_size = 2M',
    'join_buffer_size = 2M',
    `innodb_buffer_pool_size = ${bufferPoolMb}M`,
    'innodb_file_per_table = 1',
    'innodb_flush_log_at_trx_commit = 1',
    'innodb_log_file_size = 128M',
    'wait_timeout = 28800',
    'slow_query_log = 0',
    'long_query_time = 1',
    'local-infile = 0',
    'server-id = ' + String(context.serverId),
    '',
    '[mysqldump]',
    'quick',
    'quote-names',
    'max_allowed_packet = 64M',
    '',
    '!includedir /etc/mysql/conf.d/',
    '',
  ];
  return lines.join('\n');
}
