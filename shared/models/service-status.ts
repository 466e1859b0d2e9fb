/**
 * Trove's service statuses (reference §2.2): what a guest reports about its datastore. Each has a numeric
 * code (stored in `service_statuses.status_id`), a description (on the wire in heartbeats and stored in
 * `status_description`) and the API status shown as `operating_status`.
 */

export const ServiceStatus = {
  RUNNING: 'RUNNING',
  BLOCKED: 'BLOCKED',
  PAUSED: 'PAUSED',
  SHUTDOWN: 'SHUTDOWN',
  DELETED: 'DELETED',
  CRASHED: 'CRASHED',
  FAILED: 'FAILED',
  BUILDING: 'BUILDING',
  PROMOTING: 'PROMOTING',
  EJECTING: 'EJECTING',
  LOGGING: 'LOGGING',
  UNKNOWN: 'UNKNOWN',
  NEW: 'NEW',
  FAILED_TIMEOUT_GUESTAGENT: 'FAILED_TIMEOUT_GUESTAGENT',
  INSTANCE_READY: 'INSTANCE_READY',
  RESTART_REQUIRED: 'RESTART_REQUIRED',
  HEALTHY: 'HEALTHY',
  UPGRADING: 'UPGRADING',
  RESTARTING: 'RESTARTING',
} as const;

export type ServiceStatus = (typeof ServiceStatus)[keyof typeof ServiceStatus];

export interface ServiceStatusInfo {
  code: number;
  description: string;
  apiStatus: string;
}

/**
 * The status table. UPGRADING and RESTARTING share code 0x22 in Trove; lookups by code return RESTARTING,
 * exactly as Trove's `from_code` does.
 */
export const SERVICE_STATUS_INFO: Record<ServiceStatus, ServiceStatusInfo> = {
  RUNNING: { code: 0x01, description: 'running', apiStatus: 'ACTIVE' },
  BLOCKED: { code: 0x02, description: 'blocked', apiStatus: 'BLOCKED' },
  PAUSED: { code: 0x03, description: 'paused', apiStatus: 'SHUTDOWN' },
  SHUTDOWN: { code: 0x04, description: 'shutdown', apiStatus: 'SHUTDOWN' },
  DELETED: { code: 0x05, description: 'deleted', apiStatus: 'DELETED' },
  CRASHED: { code: 0x06, description: 'crashed', apiStatus: 'SHUTDOWN' },
  FAILED: { code: 0x08, description: 'failed to spawn', apiStatus: 'FAILED' },
  BUILDING: { code: 0x09, description: 'building', apiStatus: 'BUILD' },
  PROMOTING: { code: 0x10, description: 'promoting replica', apiStatus: 'PROMOTE' },
  EJECTING: { code: 0x11, description: 'ejecting replica source', apiStatus: 'EJECT' },
  LOGGING: { code: 0x12, description: 'transferring guest logs', apiStatus: 'LOGGING' },
  UNKNOWN: { code: 0x16, description: 'unknown', apiStatus: 'ERROR' },
  NEW: { code: 0x17, description: 'new', apiStatus: 'NEW' },
  FAILED_TIMEOUT_GUESTAGENT: { code: 0x18, description: 'guestagent error', apiStatus: 'ERROR' },
  INSTANCE_READY: { code: 0x19, description: 'instance ready', apiStatus: 'BUILD' },
  RESTART_REQUIRED: { code: 0x20, description: 'restart required', apiStatus: 'RESTART_REQUIRED' },
  HEALTHY: { code: 0x21, description: 'healthy', apiStatus: 'HEALTHY' },
  UPGRADING: { code: 0x22, description: 'upgrading', apiStatus: 'UPGRADING' },
  RESTARTING: { code: 0x22, description: 'restarting', apiStatus: 'RESTARTING' },
};

const BY_DESCRIPTION = new Map<string, ServiceStatus>(
  (Object.entries(SERVICE_STATUS_INFO) as [ServiceStatus, ServiceStatusInfo][]).map(([name, info]) => [info.description, name]),
);
const BY_CODE = new Map<number, ServiceStatus>();
for (const [name, info] of Object.entries(SERVICE_STATUS_INFO) as [ServiceStatus, ServiceStatusInfo][]) {
  // Later entries win, so the shared 0x22 resolves to RESTARTING as in Trove.
  BY_CODE.set(info.code, name);
}

/** The status for a heartbeat description (`healthy`, `failed to spawn`, ...); undefined if unknown. */
export function serviceStatusFromDescription(description: string): ServiceStatus | undefined {
  return BY_DESCRIPTION.get(description);
}

/** The status for a stored code; undefined if unknown. */
export function serviceStatusFromCode(code: number): ServiceStatus | undefined {
  return BY_CODE.get(code);
}

/** Statuses in which user actions are accepted (Trove's `action_is_allowed`). */
export const ACTION_ALLOWED_STATUSES: ReadonlySet<ServiceStatus> = new Set<ServiceStatus>([
  'RUNNING',
  'SHUTDOWN',
  'CRASHED',
  'BLOCKED',
  'HEALTHY',
  'RESTART_REQUIRED',
]);

/** Statuses that end a create wait successfully (reference §14.15). */
export const READY_STATUSES: ReadonlySet<ServiceStatus> = new Set<ServiceStatus>(['RUNNING', 'INSTANCE_READY', 'HEALTHY']);
