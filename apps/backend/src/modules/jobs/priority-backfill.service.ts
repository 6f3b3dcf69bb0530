import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { BullQueues } from './bull-queues';
import { WORK_QUEUE_DEFINITIONS } from './queues';
import { bandStart, tierOfPriority } from './fairness/fair-order';
import { JobsService } from './jobs.service';
import { WORK_QUEUES, WorkQueueName } from './types';

const BATCH = 500;

/**
 * Jobs added before every queue had a default priority sit unprioritized in the wait list, where
 * BullMQ takes them before any High job. At start, each process gives such jobs their queue's
 * default tier (changePriority moves them to the prioritized set; repeating it is harmless).
 * In the background: a Redis outage at start only delays it to the next start.
 */
@Injectable()
export class PriorityBackfillService implements OnApplicationBootstrap {
  private readonly logger = new Logger(PriorityBackfillService.name);
  private running?: Promise<number>;

  constructor(
    private readonly queues: BullQueues,
    private readonly jobs: JobsService,
  ) {}

  onApplicationBootstrap(): void {
    this.running = this.backfillAll().catch((err: Error) => {
      this.logger.warn(`could not prioritize older unprioritized jobs: ${err.message}`);
      return 0;
    });
  }

  /** Resolves with the number of jobs given a priority by the start-up pass. */
  done(): Promise<number> {
    return this.running ?? Promise.resolve(0);
  }

  async backfillAll(): Promise<number> {
    let moved = 0;
    for (const queue of WORK_QUEUES) moved += await this.backfill(queue);
    if (moved) this.logger.log(`gave ${moved} unprioritized job(s) their queue's default priority`);
    return moved;
  }

  private async backfill(name: WorkQueueName): Promise<number> {
    const queue = this.queues.get(name);
    const classic = WORK_QUEUE_DEFINITIONS[name].defaultJobOptions.priority;
    // In a fair queue, the start of the default tier's band (docs/fairness.md).
    const priority = this.jobs.isFair(name) ? bandStart(tierOfPriority(classic, false)!) : classic;
    let moved = 0;
    const seen = new Set<string>();
    // Each pass empties the head of the wait list, so reading from 0 again sees the rest; a job
    // seen twice did not move (a paused queue, say): stop rather than loop.
    for (;;) {
      const jobs = (await queue.getJobs(['wait'], 0, BATCH - 1)).filter((j) => j && !seen.has(j.id!));
      if (jobs.length === 0) return moved;
      for (const job of jobs) {
        seen.add(job.id!);
        await job.changePriority({ priority });
      }
      moved += jobs.length;
    }
  }
}
