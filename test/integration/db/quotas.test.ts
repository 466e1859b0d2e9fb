/** Quotas on real MariaDB: limits, reservations, commit and rollback, and the parallel-create race. */
import { expect } from 'chai';
import { ErrorCode, TroveError } from '../../../shared/errors/index.js';
import { QuotaEngine, QUOTA_RESOURCES, type QuotaLimits } from '../../../controller/db/quotas.js';
import { ReservationStatus } from '../../../controller/db/models/index.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/mariadb.js';

const DEFAULTS: QuotaLimits = { instances: 10, ram: -1, volumes: 40, backups: 50 };

async function expectTroveError(promise: Promise<unknown>, code: ErrorCode): Promise<TroveError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(TroveError);
    expect((error as TroveError).code).to.equal(code);
    return error as TroveError;
  }
  expect.fail(`expected a ${code} error`);
}

describe('QuotaEngine (MariaDB)', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let quotas: QuotaEngine;
  let tenant: string;
  let counter = 0;

  before(async () => {
    db = await createTestDatabase({ maxPoolSize: 25 });
    quotas = new QuotaEngine({ sequelize: db.sequelize, models: db.models, defaults: DEFAULTS });
  });
  after(async () => {
    await db?.drop();
  });
  beforeEach(() => {
    tenant = `tenant-${++counter}`;
  });

  async function usage(resource: string) {
    const row = await db.models.quotaUsages.findOne({ where: { tenant_id: tenant, resource } });
    return { in_use: row?.in_use ?? 0, reserved: row?.reserved ?? 0 };
  }

  it('reports configured defaults for a tenant without rows', async () => {
    const view = await quotas.getQuotas(tenant);
    expect(view.map((entry) => entry.resource)).to.deep.equal([...QUOTA_RESOURCES]);
    expect(view.find((entry) => entry.resource === 'instances')).to.deep.equal({ resource: 'instances', in_use: 0, reserved: 0, limit: 10 });
    expect(view.find((entry) => entry.resource === 'ram')?.limit).to.equal(-1);
  });

  it('updateQuotas overrides the default for that tenant only, and rejects bad limits unchanged', async () => {
    const limits = await quotas.updateQuotas(tenant, { instances: 3, backups: -1 });
    expect(limits).to.deep.equal({ ...DEFAULTS, instances: 3, backups: -1 });
    await quotas.updateQuotas(tenant, { instances: 4 });
    expect((await quotas.getQuotas(tenant)).find((entry) => entry.resource === 'instances')?.limit).to.equal(4);
    expect(await db.models.quotas.count({ where: { tenant_id: tenant, resource: 'instances' } })).to.equal(1);
    expect((await quotas.getQuotas(`${tenant}-other`)).find((entry) => entry.resource === 'instances')?.limit).to.equal(10);

    const tooSmall = await expectTroveError(quotas.updateQuotas(tenant, { instances: 7, volumes: -2 }), ErrorCode.BAD_REQUEST);
    expect(tooSmall.message).to.equal("Quota limit '-2' for 'volumes' is too small - must be at least '-1'.");
    await expectTroveError(quotas.updateQuotas(tenant, { instances: 7, cpus: 3 }), ErrorCode.QUOTA_RESOURCE_UNKNOWN);
    expect((await quotas.getQuotas(tenant)).find((entry) => entry.resource === 'instances')?.limit).to.equal(4);
  });

  it('commit moves reserved into in_use and marks the reservations Committed', async () => {
    const result = await quotas.runWithQuotas(tenant, { instances: 1, ram: 2048, volumes: 5 }, async () => {
      expect(await usage('instances')).to.deep.equal({ in_use: 0, reserved: 1 });
      expect(await usage('ram')).to.deep.equal({ in_use: 0, reserved: 2048 });
      return 'created';
    });
    expect(result).to.equal('created');
    expect(await usage('instances')).to.deep.equal({ in_use: 1, reserved: 0 });
    expect(await usage('ram')).to.deep.equal({ in_use: 2048, reserved: 0 });
    expect(await usage('volumes')).to.deep.equal({ in_use: 5, reserved: 0 });
    const usageIds = (await db.models.quotaUsages.findAll({ where: { tenant_id: tenant } })).map((row) => row.id);
    const reservations = await db.models.reservations.findAll({ where: { usage_id: usageIds } });
    expect(reservations).to.have.length(3);
    expect(reservations.every((row) => row.status === ReservationStatus.COMMITTED)).to.equal(true);
  });

  it('rollback restores usage and rethrows the work\'s error', async () => {
    await quotas.runWithQuotas(tenant, { instances: 1 }, async () => undefined);
    const failure = new Error('compute failed');
    try {
      await quotas.runWithQuotas(tenant, { instances: 1, volumes: 2 }, async () => {
        expect(await usage('instances')).to.deep.equal({ in_use: 1, reserved: 1 });
        throw failure;
      });
      expect.fail('runWithQuotas should rethrow');
    } catch (error) {
      expect(error).to.equal(failure);
    }
    expect(await usage('instances')).to.deep.equal({ in_use: 1, reserved: 0 });
    expect(await usage('volumes')).to.deep.equal({ in_use: 0, reserved: 0 });
    const rolledBack = await db.models.reservations.count({ where: { status: ReservationStatus.ROLLED_BACK } });
    expect(rolledBack).to.be.at.least(2);
  });

  it('negative deltas release use and clamp at zero', async () => {
    await quotas.runWithQuotas(tenant, { backups: 2 }, async () => undefined);
    await quotas.runWithQuotas(tenant, { backups: -5 }, async () => undefined);
    expect(await usage('backups')).to.deep.equal({ in_use: 0, reserved: 0 });
  });

  it('refuses a delta over the limit with Trove\'s message and reserves nothing', async () => {
    await quotas.updateQuotas(tenant, { instances: 1, volumes: 10 });
    await quotas.runWithQuotas(tenant, { instances: 1 }, async () => undefined);
    let ran = false;
    const error = await expectTroveError(
      quotas.runWithQuotas(tenant, { instances: 1, volumes: 11, ram: 512 }, async () => {
        ran = true;
      }),
      ErrorCode.QUOTA_EXCEEDED,
    );
    expect(error.message).to.equal("Quota exceeded for resources: ['instances', 'volumes'].");
    expect(ran).to.equal(false);
    expect(await usage('instances')).to.deep.equal({ in_use: 1, reserved: 0 });
    expect(await usage('volumes')).to.deep.equal({ in_use: 0, reserved: 0 });
  });

  it('refuses unknown resources with QUOTA_RESOURCE_UNKNOWN before touching the database', async () => {
    const error = await expectTroveError(quotas.runWithQuotas(tenant, { instances: 1, cpus: 2 }, async () => undefined), ErrorCode.QUOTA_RESOURCE_UNKNOWN);
    expect(error.message).to.equal("Unknown quota resources ['cpus'].");
    expect(await db.models.quotaUsages.count({ where: { tenant_id: tenant } })).to.equal(0);
  });

  it('admits exactly the limit out of 20 parallel reservations of instances +1', async () => {
    await quotas.updateQuotas(tenant, { instances: 7 });
    const started = performance.now();
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => quotas.reserve(tenant, { instances: 1 })));
    const elapsedMs = Math.round(performance.now() - started);
    const admitted = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const refused = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    expect(admitted).to.have.length(7);
    expect(refused).to.have.length(13);
    for (const outcome of refused) expect((outcome.reason as TroveError).code).to.equal(ErrorCode.QUOTA_EXCEEDED);
    expect(await usage('instances')).to.deep.equal({ in_use: 0, reserved: 7 });
    expect(await db.models.quotaUsages.count({ where: { tenant_id: tenant, resource: 'instances' } })).to.equal(1);

    const reservations = admitted.map((outcome) => (outcome as PromiseFulfilledResult<Awaited<ReturnType<QuotaEngine['reserve']>>>).value);
    await Promise.all(reservations.slice(0, 4).map((reservation) => quotas.commit(reservation)));
    await Promise.all(reservations.slice(4).map((reservation) => quotas.rollback(reservation)));
    expect(await usage('instances')).to.deep.equal({ in_use: 4, reserved: 0 });
    console.log(`      20 parallel reservations against a limit of 7: ${elapsedMs} ms`);
  });

  it('admits exactly the limit when the usage row does not exist yet (parallel first creates)', async () => {
    await quotas.updateQuotas(tenant, { instances: 5 });
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => quotas.runWithQuotas(tenant, { instances: 1, volumes: 1 }, async () => 'ok')));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).to.have.length(5);
    expect(await usage('instances')).to.deep.equal({ in_use: 5, reserved: 0 });
    expect(await usage('volumes')).to.deep.equal({ in_use: 5, reserved: 0 });
  });
});
