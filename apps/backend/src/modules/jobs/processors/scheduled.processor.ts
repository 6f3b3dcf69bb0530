import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { ScheduledJobsService } from '../../schedules/scheduled-jobs.service';
import { SCHEDULED_QUEUE, SCHEDULED_QUEUE_NAME } from '../queues/scheduled.queue';
import { payloadOf } from '../runtime/job-payload';
import type { ScheduledJobType } from '../types';

@Processor(SCHEDULED_QUEUE_NAME, SCHEDULED_QUEUE.worker)
export class ScheduledProcessor extends WorkerHost {
  constructor(private readonly scheduled: ScheduledJobsService) {
    super();
  }

  async process(job: Job): Promise<unknown> {
    const { name, data } = payloadOf<typeof SCHEDULED_QUEUE_NAME, ScheduledJobType>(SCHEDULED_QUEUE_NAME, job);
    return this.scheduled.run(name, data.organizationId, job);
  }
}
