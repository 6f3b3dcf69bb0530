import type IORedis from 'ioredis';
import { RedisClient, RedisConnectionFactory } from '../redis/redis-connection.factory';

/** A node that lacked replicas is not asked to WAIT again for this long. */
export const SHORT_OF_REPLICAS_PAUSE_MS = 5_000;

export type ReplicaWait =
  /** How many replicas had the writes when WAIT answered. */
  | { acked: number; short: boolean; firstShort: boolean; recovered: boolean }
  /** Not asked: the node lacked replicas less than SHORT_OF_REPLICAS_PAUSE_MS ago. */
  | { skipped: true };

/**
 * Redis acknowledges a write before any replica has it: a primary killed in that window takes the
 * write with it, and the replica promoted in its place never had it. WAIT blocks until `replicas`
 * replicas have every write made so far on this connection, or `timeoutMs` passed, and answers
 * how many had them. It is sent on the connection that made the add: on Cluster, the client's
 * connection to the master of the queue's slot (`key`, any key of the queue).
 *
 * WAIT blocks that connection, which every enqueue to the node shares. A node without enough
 * replicas (a promoted replica whose own replica is gone) would make each High enqueue, and every
 * enqueue queued behind it, wait out the timeout: so after one short answer the node is not asked
 * for a pause, and is asked again after it (one WAIT, then every High job again if it has them).
 */
export class ReplicaWaiter {
  private readonly shortUntil = new WeakMap<IORedis, number>();

  constructor(
    private readonly replicas: number,
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async afterWrite(client: RedisClient, key: string): Promise<ReplicaWait> {
    const node = RedisConnectionFactory.nodeFor(client, key);
    const until = this.shortUntil.get(node);
    if (until !== undefined && until > this.now()) return { skipped: true };
    const acked = (await node.call('WAIT', String(this.replicas), String(this.timeoutMs))) as number;
    const short = acked < this.replicas;
    if (short) this.shortUntil.set(node, this.now() + SHORT_OF_REPLICAS_PAUSE_MS);
    else this.shortUntil.delete(node);
    return { acked, short, firstShort: short && until === undefined, recovered: !short && until !== undefined };
  }
}
