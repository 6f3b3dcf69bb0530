import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { CaseExportService } from '../../reports/case-export.service';
import { REPORTS_QUEUE, REPORTS_QUEUE_NAME } from '../queues/reports.queue';
import { payloadOf } from '../runtime/job-payload';

@Processor(REPORTS_QUEUE_NAME, REPORTS_QUEUE.worker)
export class ReportsProcessor extends WorkerHost {
  constructor(private readonly exports: CaseExportService) {
    super();
  }

  // Three parameters: BullMQ hands the job's abort signal only to a processor that takes one.
  async process(job: Job, _token?: string, signal?: AbortSignal): Promise<unknown> {
    const { data } = payloadOf(REPORTS_QUEUE_NAME, job);
    return this.exports.export(data, job, signal);
  }
}
