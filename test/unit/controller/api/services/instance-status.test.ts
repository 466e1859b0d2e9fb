import { expect } from 'chai';
import { INSTANCE_TASKS } from '../../../../../controller/db/index.js';
import { assertActionAllowed, deriveStatus, type StatusInputs } from '../../../../../controller/api/services/instance-status.js';
import { UnprocessableError } from '../../../../../shared/errors/index.js';
import { SERVICE_STATUS_INFO } from '../../../../../shared/models/index.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const EXPIRY = 90_000;

function inputs(overrides: Partial<StatusInputs> = {}): StatusInputs {
  return {
    taskId: INSTANCE_TASKS.NONE.code,
    serverStatus: 'ACTIVE',
    backupRunning: false,
    serviceStatusId: SERVICE_STATUS_INFO.HEALTHY.code,
    serviceUpdatedAt: new Date(NOW - 10_000),
    ...overrides,
  };
}

describe('instance status derivation (reference §2.3)', () => {
  it('reports ACTIVE/HEALTHY for a running instance with a fresh heartbeat', () => {
    const derived = deriveStatus(inputs(), NOW, EXPIRY);
    expect(derived.status).to.equal('ACTIVE');
    expect(derived.operatingStatus).to.equal('HEALTHY');
  });

  it('follows the task first: error tasks, BUILDING, REBOOTING, DELETING', () => {
    expect(deriveStatus(inputs({ taskId: INSTANCE_TASKS.BUILDING_ERROR_SERVER.code }), NOW, EXPIRY).status).to.equal('ERROR');
    const building = deriveStatus(inputs({ taskId: INSTANCE_TASKS.BUILDING.code, serverStatus: null, serviceStatusId: SERVICE_STATUS_INFO.NEW.code }), NOW, EXPIRY);
    expect([building.status, building.operatingStatus]).to.deep.equal(['BUILD', '']);
    expect(deriveStatus(inputs({ taskId: INSTANCE_TASKS.BUILDING.code, serverStatus: 'ERROR' }), NOW, EXPIRY).status).to.equal('BUILD');
    expect(deriveStatus(inputs({ taskId: INSTANCE_TASKS.REBOOTING.code }), NOW, EXPIRY).status).to.equal('REBOOT');
    expect(deriveStatus(inputs({ taskId: INSTANCE_TASKS.RESTART_REQUIRED.code }), NOW, EXPIRY).status).to.equal('RESTART_REQUIRED');
    expect(deriveStatus(inputs({ taskId: INSTANCE_TASKS.DELETING.code }), NOW, EXPIRY).status).to.equal('SHUTDOWN');
    expect(deriveStatus(inputs({ taskId: INSTANCE_TASKS.DELETING.code, serverStatus: 'ERROR' }), NOW, EXPIRY).status).to.equal('ERROR');
  });

  it('shows BACKUP while a backup runs, then the server status', () => {
    expect(deriveStatus(inputs({ backupRunning: true }), NOW, EXPIRY).status).to.equal('BACKUP');
    expect(deriveStatus(inputs({ serverStatus: 'VERIFY_RESIZE' }), NOW, EXPIRY).status).to.equal('RESIZE');
    expect(deriveStatus(inputs({ serverStatus: 'SHUTOFF' }), NOW, EXPIRY).status).to.equal('UNKNOWN');
    expect(deriveStatus(inputs({ serverStatus: null }), NOW, EXPIRY).status).to.equal('SHUTDOWN');
  });

  it('reports an expired heartbeat as ERROR operating status, but not during tasks or RESTART_REQUIRED', () => {
    const stale = deriveStatus(inputs({ serviceUpdatedAt: new Date(NOW - EXPIRY) }), NOW, EXPIRY);
    expect(stale.operatingStatus).to.equal('ERROR');
    expect(stale.serviceStatus).to.equal('FAILED_TIMEOUT_GUESTAGENT');
    expect(stale.storedServiceStatus).to.equal('HEALTHY');
    const restartRequired = deriveStatus(inputs({ serviceStatusId: SERVICE_STATUS_INFO.RESTART_REQUIRED.code, serviceUpdatedAt: new Date(0) }), NOW, EXPIRY);
    expect(restartRequired.operatingStatus).to.equal('RESTART_REQUIRED');
    expect(deriveStatus(inputs({ taskId: INSTANCE_TASKS.REBOOTING.code, serviceUpdatedAt: new Date(0) }), NOW, EXPIRY).serviceStatus).to.equal('HEALTHY');
  });

  it('gates actions with 422 unless the instance is ready', () => {
    const ready = deriveStatus(inputs(), NOW, EXPIRY);
    assertActionAllowed('i1', ready, false);
    expect(() => assertActionAllowed('i1', ready, true)).to.throw(UnprocessableError, 'status was BACKUP');
    const building = deriveStatus(inputs({ taskId: INSTANCE_TASKS.BUILDING.code }), NOW, EXPIRY);
    expect(() => assertActionAllowed('i1', building, false)).to.throw(UnprocessableError, 'instance status was BUILD');
    const resizing = deriveStatus(inputs({ taskId: INSTANCE_TASKS.RESIZING.code }), NOW, EXPIRY);
    expect(() => assertActionAllowed('i1', resizing, false)).to.throw(UnprocessableError, 'task status was RESIZING');
    const failed = deriveStatus(inputs({ serviceStatusId: SERVICE_STATUS_INFO.FAILED.code }), NOW, EXPIRY);
    expect(() => assertActionAllowed('i1', failed, false)).to.throw(UnprocessableError);
    assertActionAllowed('i1', deriveStatus(inputs({ taskId: INSTANCE_TASKS.RESTART_REQUIRED.code }), NOW, EXPIRY), false);
  });
});
