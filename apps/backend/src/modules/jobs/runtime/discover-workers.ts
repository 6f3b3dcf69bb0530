import { WorkerHost } from '@nestjs/bullmq';
import type { DiscoveryService } from '@nestjs/core';
import type { Worker } from 'bullmq';
import { isWorkQueue, WorkQueueName } from '../types/index';

/** The BullMQ Worker objects of this process (one per @Processor class), whatever their queue. */
export function discoverWorkers(discovery: DiscoveryService): Worker[] {
  return discovery
    .getProviders()
    .map((w) => w.instance as unknown)
    .filter((i): i is WorkerHost => i instanceof WorkerHost)
    .map((host) => host.worker);
}

/** The workers of this process that consume one of the work queues. */
export function discoverWorkQueueWorkers(discovery: DiscoveryService): (Worker & { name: WorkQueueName })[] {
  return discoverWorkers(discovery).filter((w): w is Worker & { name: WorkQueueName } => isWorkQueue(w.name));
}
