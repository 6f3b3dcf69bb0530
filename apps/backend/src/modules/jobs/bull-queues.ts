import { getQueueToken } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import type { QueueName } from './types';

/**
 * The queues registered with BullModule, by name. Their connections wait out a Redis outage, which
 * suits workers and bookkeeping; request paths use JobsService, whose producer connection fails fast.
 */
@Injectable()
export class BullQueues {
  constructor(private readonly moduleRef: ModuleRef) {}

  get(name: QueueName): Queue {
    return this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
  }
}
