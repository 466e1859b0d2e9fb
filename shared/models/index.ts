export {
  ServiceStatus,
  SERVICE_STATUS_INFO,
  serviceStatusFromDescription,
  serviceStatusFromCode,
  ACTION_ALLOWED_STATUSES,
  READY_STATUSES,
} from './service-status.js';
export type { ServiceStatusInfo } from './service-status.js';
export {
  MYSQL_NAME_RULES,
  POSTGRESQL_NAME_RULES,
  validateDatabaseName,
  validateUserName,
  validateHost,
  validatePassword,
  validateCharset,
  parseUserHost,
} from './datastore-objects.js';
export type { SerializedSchema, SerializedUser, NameRules } from './datastore-objects.js';
