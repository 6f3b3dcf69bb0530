import type IORedis from 'ioredis';
import { RedisClient, RedisConnectionFactory } from '../redis/redis-connection.factory';

/** A node that lacked replicas is not asked to WAIT again for this long. */
export const SHORT_OF_REPLICAS_PAUSE_MS = 5_000;

export type ReplicaWait =
  /** How many replicas had the writes when WAIT answered. */
  | { acked: number; short: boolean; firstShort: boolean; recovered: boolean }
  /** Not asked: the node lacked replicas less than SHORT_OF_REPLICAS_PAUSE_MS ago. */
  | { skipped: true };

const noop = (): void => undefined;

/** One WAIT to one node, shared by every caller that joined it; the first to hear it reports it. */
interface Round {
  readonly result: Promise<ReplicaWait>;
  reported: boolean;
}

/**
 * Redis acknowledges a write before any replica has it: a primary killed in that window takes the
 * write with it, and the replica promoted in its place never had it. WAIT blocks until `replicas`
 * replicas have every write made so far on this connection, or `timeoutMs` passed, and answers
 * how many had them. It is sent on the connection that made the add: on Cluster, the client's
 * connection to the master of the queue's slot (`key`, any key of the queue).
 *
 * WAIT blocks that connection, which every enqueue to the node shares, so WAITs are group-committed:
 * at most one is in flight per node, and the writes made while it is join the next one, sent when it
 * answers (after all of their writes, so it covers them). Sixteen concurrent High enqueues cost two
 * WAITs, not sixteen in a row. A node without enough replicas (a promoted replica whose own replica
 * is gone) would make each WAIT run to its timeout: after a short answer the node is not asked for
 * a pause, and is asked again after it (one WAIT, then every High job again if it has them).
 */
export class ReplicaWaiter {
  private readonly shortUntil = new WeakMap<IORedis, number>();
  private readonly inFlight = new WeakMap<IORedis, Round>();
  private readonly next = new WeakMap<IORedis, Round>();

  constructor(
    private readonly replicas: number,
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async afterWrite(client: RedisClient, key: string): Promise<ReplicaWait> {
    const node = RedisConnectionFactory.nodeFor(client, key);
    if (this.paused(node)) return { skipped: true };
    const round = this.join(node);
    const result = await round.result;
    const first = !round.reported;
    round.reported = true;
    return first || 'skipped' in result ? result : { ...result, firstShort: false, recovered: false };
  }

  private paused(node: IORedis): boolean {
    const until = this.shortUntil.get(node);
    return until !== undefined && until > this.now();
  }

  /** The round a write made now is covered by: the next one if a WAIT is in flight, else a new one. */
  private join(node: IORedis): Round {
    const queued = this.next.get(node);
    if (queued) return queued;
    const current = this.inFlight.get(node);
    if (!current) return this.send(node);
    const round: Round = {
      result: current.result.then(noop, noop).then(() => {
        this.next.delete(node);
        return this.paused(node) ? { skipped: true as const } : this.send(node).result;
      }),
      reported: false,
    };
    this.next.set(node, round);
    return round;
  }

  private send(node: IORedis): Round {
    const round: Round = { result: this.wait(node), reported: false };
    this.inFlight.set(node, round);
    // Registered before any joiner's continuation, so the next round finds no WAIT in flight.
    round.result
      .finally(() => {
        if (this.inFlight.get(node) === round) this.inFlight.delete(node);
      })
      .catch(() => undefined); // the callers hear the failure
    return round;
  }

  private async wait(node: IORedis): Promise<ReplicaWait> {
    const wasShort = this.shortUntil.has(node);
    const acked = Number(await node.call('WAIT', String(this.replicas), String(this.timeoutMs)));
    const short = acked < this.replicas;
    if (short) this.shortUntil.set(node, this.now() + SHORT_OF_REPLICAS_PAUSE_MS);
    else this.shortUntil.delete(node);
    return { acked, short, firstShort: short && !wasShort, recovered: !short && wasShort };
  }
}
