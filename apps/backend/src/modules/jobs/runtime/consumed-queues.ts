import { Inject } from '@nestjs/common';

/** The work queues this process consumes (from WORKER_QUEUES). */
export const CONSUMED_QUEUES = Symbol('CONSUMED_QUEUES');
export const InjectConsumedQueues = (): ParameterDecorator => Inject(CONSUMED_QUEUES);
