/** `[database]`: the controller's state database (MySQL or MariaDB). */
import { opt } from '../options.js';

export const databaseGroup = {
  connection: opt.string(null, 'Database URL, in Trove\'s form (mysql+pymysql://user:password@host:port/trove?charset=utf8) or mysql://...', { secret: true }),
  idle_timeout: opt.integer(3600, 'Seconds after which idle connections are recycled.', { min: 1 }),
  max_retries: opt.integer(10, 'Attempts to connect at start-up before giving up (-1 for forever).', { min: -1 }),
  retry_interval: opt.integer(10, 'Seconds between connection attempts at start-up.', { min: 0 }),
  mysql_sql_mode: opt.string('TRADITIONAL', 'SQL mode set on every connection.'),
  max_pool_size: opt.integer(10, 'Largest number of open connections per process.', { min: 1 }),
};
