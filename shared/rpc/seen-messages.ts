/**
 * The server's memory of message ids it has taken: in flight, or done. It deduplicates redeliveries of
 * casts (at-least-once) and refuses replays of sealed messages. An id is kept until the message itself would
 * be refused as stale, so a replay is caught either here or by the clock window. The size is bounded; when
 * full, the oldest ids go first.
 */

export type SeenState = 'running' | 'done';

export class SeenMessages {
  private readonly entries = new Map<string, { state: SeenState; expiresAt: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(id: string): SeenState | undefined {
    const entry = this.entries.get(id);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(id);
      return undefined;
    }
    return entry.state;
  }

  set(id: string, state: SeenState, expiresAt: number): void {
    this.entries.set(id, { state, expiresAt });
    this.sweep();
  }

  delete(id: string): void {
    this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(): void {
    const current = this.now();
    // Insertion order is roughly expiry order; stop at the first live entry unless over the bound.
    for (const [id, entry] of this.entries) {
      if (this.entries.size > this.maxEntries || entry.expiresAt <= current) this.entries.delete(id);
      else break;
    }
  }
}
