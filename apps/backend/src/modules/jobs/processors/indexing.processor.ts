import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { SearchIndexerService } from '../../search/search-indexer.service';
import { INDEXING_QUEUE, INDEXING_QUEUE_NAME } from '../queues/indexing.queue';
import { payloadOf } from '../runtime/job-payload';

@Processor(INDEXING_QUEUE_NAME, INDEXING_QUEUE.worker)
export class IndexingProcessor extends WorkerHost {
  constructor(private readonly indexer: SearchIndexerService) {
    super();
  }

  // Three parameters: BullMQ hands the job's abort signal only to a processor that takes one.
  async process(job: Job, _token?: string, signal?: AbortSignal): Promise<unknown> {
    const { data } = payloadOf(INDEXING_QUEUE_NAME, job);
    return this.indexer.apply(data, job, signal);
  }
}
