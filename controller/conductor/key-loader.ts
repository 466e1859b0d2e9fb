/**
 * Loads wrapped instance keys (`instances.encrypted_key`) for the key resolver, many at a time: lookups
 * requested in the same tick are answered by one `SELECT ... WHERE id IN (...)`. A conductor receiving a burst
 * of heartbeats from thousands of guests whose keys are not cached yet thus pays one round trip per few hundred
 * keys instead of one per message. Deleted instances have no key: their messages are refused.
 */
import { QueryTypes, type Sequelize } from 'sequelize';

/** Options to configure the key loader. */
export interface KeyLoaderOptions {
  /** Most ids per SELECT. @default 500 */
  maxBatch?: number;
}

interface Request {
  resolve(value: string | null): void;
  reject(error: unknown): void;
}

/** Returns a `loadWrapped(instanceId)` for `createInstanceKeyResolver`. */
export function createBatchedKeyLoader(sequelize: Sequelize, options: KeyLoaderOptions = {}): (instanceId: string) => Promise<string | null> {
  const maxBatch = options.maxBatch ?? 500;
  let queued = new Map<string, Request[]>();
  let scheduled = false;

  async function load(batch: Map<string, Request[]>): Promise<void> {
    const ids = [...batch.keys()];
    try {
      const rows = await sequelize.query<{ id: string; encrypted_key: string | null }>(
        `SELECT id, encrypted_key FROM instances WHERE id IN (${ids.map(() => '?').join(', ')}) AND (deleted IS NULL OR deleted = 0)`,
        { replacements: ids, type: QueryTypes.SELECT },
      );
      const found = new Map(rows.map((row) => [row.id, row.encrypted_key]));
      for (const [id, requests] of batch) for (const request of requests) request.resolve(found.get(id) ?? null);
    } catch (error) {
      for (const requests of batch.values()) for (const request of requests) request.reject(error);
    }
  }

  function flush(): void {
    scheduled = false;
    const all = queued;
    queued = new Map();
    let batch = new Map<string, Request[]>();
    for (const [id, requests] of all) {
      batch.set(id, requests);
      if (batch.size >= maxBatch) {
        void load(batch);
        batch = new Map();
      }
    }
    if (batch.size > 0) void load(batch);
  }

  return (instanceId: string) =>
    new Promise<string | null>((resolve, reject) => {
      const requests = queued.get(instanceId);
      if (requests === undefined) queued.set(instanceId, [{ resolve, reject }]);
      else requests.push({ resolve, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
}
