/**
 * Per-datastore groups `[mysql]`, `[mariadb]`, `[postgresql]` (reference §9.2). They share one shape and
 * differ in defaults; the guest agent reads the group named by its `datastore_manager`.
 */
import { opt } from '../options.js';

interface DatastoreDefaults {
  tcpPorts: string[];
  mountPoint: string;
  dockerImage: string;
  backupDockerImage: string;
  backupStrategy: string;
  replicationStrategy: string;
  ignoreUsers: string[];
  ignoreDbs: string[];
  rootController: string;
}

function datastoreGroup(d: DatastoreDefaults) {
  return {
    tcp_ports: opt.list(d.tcpPorts, 'TCP ports (or ranges a-b) opened in the instance security group.'),
    udp_ports: opt.list([], 'UDP ports (or ranges) opened in the instance security group.'),
    mount_point: opt.string(d.mountPoint, 'Where the data volume is mounted in the guest (or the data directory on a single host).'),
    device_path: opt.string('/dev/vdb', 'Block device of the data volume; empty means no device: the mount point is a plain directory.'),
    volume_support: opt.boolean(true, 'Instances of this datastore get a data volume.'),
    root_on_create: opt.boolean(false, 'Enable root and return its password when an instance is created.'),
    root_controller: opt.string(d.rootController, 'Root controller implementation (informational).'),
    ignore_users: opt.list(d.ignoreUsers, 'Users hidden from the API and protected from changes.'),
    ignore_dbs: opt.list(d.ignoreDbs, 'Databases hidden from the API and protected from changes.'),
    default_password_length: opt.integer(36, 'Length of generated passwords.', { min: 8, max: 128 }),
    docker_image: opt.string(d.dockerImage, 'Container image of the datastore, without tag; the tag is the datastore version.'),
    backup_docker_image: opt.string(d.backupDockerImage, 'Container image that runs backups and restores.'),
    backup_strategy: opt.string(d.backupStrategy, 'Backup tool run inside the backup image.'),
    replication_strategy: opt.string(d.replicationStrategy, 'Replication strategy.'),
    usage_timeout: opt.integer(400, 'Unused in Trove 18; accepted for compatibility.', { min: 1 }),
    guest_log_exposed_logs: opt.string('', 'Guest logs users may see.'),
    guest_log_long_query_time: opt.integer(1000, 'Slow query threshold in milliseconds for the slow query log.', { min: 0 }),
  };
}

export const mysqlGroup = datastoreGroup({
  tcpPorts: ['3306'],
  mountPoint: '/var/lib/mysql',
  dockerImage: 'mysql',
  backupDockerImage: 'openstacktrove/db-backup-mysql:1.1.0',
  backupStrategy: 'innobackupex',
  replicationStrategy: 'MysqlGTIDReplication',
  ignoreUsers: ['os_admin', 'root'],
  ignoreDbs: ['mysql', 'information_schema', 'performance_schema', 'sys'],
  rootController: 'trove.extensions.common.service.DefaultRootController',
});

export const mariadbGroup = datastoreGroup({
  tcpPorts: ['3306', '4444', '4567', '4568'],
  mountPoint: '/var/lib/mysql',
  dockerImage: 'trove/mariadb',
  backupDockerImage: 'openstacktrove/db-backup-mariadb:1.1.0',
  backupStrategy: 'mariabackup',
  replicationStrategy: 'MariaDBGTIDReplication',
  ignoreUsers: ['os_admin', 'root'],
  ignoreDbs: ['mysql', 'information_schema', 'performance_schema', 'sys'],
  rootController: 'trove.extensions.common.service.DefaultRootController',
});

export const postgresqlGroup = {
  ...datastoreGroup({
    tcpPorts: ['5432'],
    mountPoint: '/var/lib/postgresql',
    dockerImage: 'trove/postgresql',
    backupDockerImage: 'openstacktrove/db-backup-postgresql:1.1.2',
    backupStrategy: 'pg_basebackup',
    replicationStrategy: 'PostgresqlReplicationStreaming',
    ignoreUsers: ['os_admin', 'postgres', 'root'],
    ignoreDbs: ['os_admin', 'postgres'],
    rootController: 'trove.extensions.postgresql.service.PostgreSQLRootController',
  }),
  postgresql_port: opt.port(5432, 'Port PostgreSQL listens on.'),
  wal_archive_location: opt.string('/mnt/wal_archive', 'Directory for archived WAL segments.'),
  enable_clean_wal_archives: opt.boolean(true, 'Periodically remove WAL segments no longer needed.'),
};
