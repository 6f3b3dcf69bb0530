const TOUCH_EVERY_MS = 1000;

/**
 * Unwrapped data keys, in this process's memory only, least recently used first out. Entries
 * expire, so a key destroyed or rewrapped by another process stops being used here within the TTL.
 */
export class DataKeyCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number; usedAt: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const now = Date.now();
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    // Re-inserted: a Map iterates in insertion order, so the first entry is the least recently used.
    // At most once a second per key: a key in use stays near the end without a delete and set per job.
    if (now - entry.usedAt >= TOUCH_EVERY_MS) {
      entry.usedAt = now;
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry.value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    const now = Date.now();
    this.entries.set(key, { value, expiresAt: now + this.ttlMs, usedAt: now });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  deleteWhere(match: (key: string) => boolean): void {
    for (const key of [...this.entries.keys()]) if (match(key)) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
