import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { QueueEvents } from 'bullmq';
import type { AppConfig } from '../../../config/configuration';
import { InjectConfig } from '../../../config/app-config.module';
import { RedisConnectionFactory } from '../../redis/redis-connection.factory';
import { queuePrefix } from '../queues/queue-prefix';
import type { WorkQueueName } from '../types';

/** One job's events as QueueEvents reports them (`removed`: deleted, by a cancel or an operator). */
export type JobStreamEvent =
  | { type: 'progress'; data: unknown }
  | { type: 'completed'; result: unknown }
  | { type: 'failed'; failedReason: string }
  | { type: 'removed' };

type Listener = (event: JobStreamEvent) => void;

/**
 * Job events for the SSE streams: ONE BullMQ QueueEvents per queue per process, opened on first use
 * (on the retrying connection options, so a Redis outage pauses the streams instead of ending
 * them) and closed at shutdown, fanned out to each job's listeners by job id.
 */
@Injectable()
export class JobEventStreamsService implements OnApplicationShutdown {
  private readonly events = new Map<WorkQueueName, QueueEvents>();
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(
    private readonly redis: RedisConnectionFactory,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** Starts relaying the job's events to `listener` (once Redis is reached); call the returned function to stop. */
  async subscribe(queue: WorkQueueName, id: string, listener: Listener): Promise<() => void> {
    const key = `${queue}\n${id}`;
    const set = this.listeners.get(key) ?? new Set<Listener>();
    this.listeners.set(key, set);
    set.add(listener);
    const unsubscribe = () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(key) === set) this.listeners.delete(key);
    };
    try {
      await this.queueEvents(queue).waitUntilReady();
    } catch (err) {
      unsubscribe();
      throw err;
    }
    return unsubscribe;
  }

  /** Listeners of one job, or of all jobs when `id` is omitted (for leak checks). */
  listenerCount(queue?: WorkQueueName, id?: string): number {
    if (queue && id) return this.listeners.get(`${queue}\n${id}`)?.size ?? 0;
    return [...this.listeners.values()].reduce((n, s) => n + s.size, 0);
  }

  async onApplicationShutdown(): Promise<void> {
    const all = [...this.events.values()];
    this.events.clear();
    this.listeners.clear();
    await Promise.all(all.map((e) => e.close().catch(() => undefined)));
  }

  private queueEvents(queue: WorkQueueName): QueueEvents {
    let events = this.events.get(queue);
    if (events) return events;
    events = new QueueEvents(queue, { connection: this.redis.bullConnection(), prefix: queuePrefix(this.config.queue.prefix, queue) });
    // Connection errors are retried by the connection itself; an unheard 'error' would crash the process.
    events.on('error', () => undefined);
    const emit = (jobId: string, event: JobStreamEvent) => {
      for (const l of [...(this.listeners.get(`${queue}\n${jobId}`) ?? [])]) l(event);
    };
    events.on('progress', ({ jobId, data }) => emit(jobId, { type: 'progress', data }));
    events.on('completed', ({ jobId, returnvalue }) => emit(jobId, { type: 'completed', result: parse(returnvalue) }));
    events.on('failed', ({ jobId, failedReason }) => emit(jobId, { type: 'failed', failedReason }));
    events.on('removed', ({ jobId }) => emit(jobId, { type: 'removed' }));
    this.events.set(queue, events);
    return events;
  }
}

/** QueueEvents hands return values as stored (JSON text). */
function parse(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
