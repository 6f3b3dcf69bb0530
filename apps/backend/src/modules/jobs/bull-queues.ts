import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { QUEUES } from './queues';
import { bullConnectionsOf, dropErrorsNobodyHears } from './runtime/unheard-connection-errors';
import type { QueueName } from './types';

/**
 * The queues registered with BullModule, by name. Their connections wait out a Redis outage, which
 * suits workers and bookkeeping; request paths use JobsService, whose producer connection fails fast.
 */
@Injectable()
export class BullQueues implements OnModuleInit {
  constructor(private readonly moduleRef: ModuleRef) {}

  /** A queue closed at shutdown while its connection is still connecting must not end the process. */
  onModuleInit(): void {
    for (const { name } of QUEUES) for (const c of bullConnectionsOf(this.get(name))) dropErrorsNobodyHears(c);
  }

  get(name: QueueName): Queue {
    return this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
  }
}
