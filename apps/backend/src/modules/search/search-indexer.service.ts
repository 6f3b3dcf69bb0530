import { Injectable } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import type { IndexingJobData } from '../jobs/types';

@Injectable()
export class SearchIndexer {
  async apply(data: IndexingJobData, job: Job): Promise<unknown> {
    throw new UnrecoverableError(`search indexing is not available yet (job ${job.id}, ${data.operation})`);
  }
}
