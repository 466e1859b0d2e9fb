/** Trove's soft delete: rows with `deleted`/`deleted_at` are marked, never removed (`DatabaseModelBase.delete`). */
import { type Model, type Transaction } from 'sequelize';

interface SoftDeletable {
  deleted: boolean | null;
  deleted_at: Date | null;
}

/** Marks `row` deleted now and saves it (its `updated` column, if any, is stamped by the model's hook). */
export async function softDelete<R extends Model & SoftDeletable>(row: R, options: { transaction?: Transaction } = {}): Promise<R> {
  row.set({ deleted: true, deleted_at: new Date() } as never);
  return row.save(options.transaction ? { transaction: options.transaction } : {});
}
