/**
 * A queue's BullMQ prefix: the namespace (QUEUE_PREFIX) and the queue's own hash tag. BullMQ's
 * scripts touch many keys of one queue at once; on Redis Cluster they must share a slot, which the
 * tag `{<queue>}` gives them, and each queue has its own tag so the queues spread over the shards.
 * Keys beside a queue's own (cancel markers, idempotency records, the dead-letter index) are built
 * from the Queue or Worker object (`queue.toKey(...)`, `opts.prefix`), so they follow it.
 *
 * Changing this changes every key name: see docs/redis.md#moving-to-hash-tagged-keys.
 */
export const queuePrefix = (namespace: string, queue: string): string => `${namespace}:{${queue}}`;
