import { PROCESSOR_METADATA } from '@nestjs/bullmq/dist/bull.constants';
import type { ClassProvider, FactoryProvider, Type } from '@nestjs/common';
import { CONSUMERS } from '.';
import { QUEUES, WORK_QUEUES } from '../queues';

/** The queue a processor class is decorated for (`@Processor(name)`). */
function consumedQueue(processor: Type | ClassProvider | FactoryProvider): string | undefined {
  const cls = typeof processor === 'function' ? processor : 'useClass' in processor ? processor.useClass : undefined;
  const meta = cls ? (Reflect.getMetadata(PROCESSOR_METADATA, cls) as { name?: string } | string | undefined) : undefined;
  return typeof meta === 'string' ? meta : meta?.name;
}

describe('every work queue has one definition and one consumer', () => {
  it('has a consumer for each declared work queue, and no consumer without a declaration', () => {
    expect(Object.keys(CONSUMERS).sort()).toEqual([...WORK_QUEUES].sort());
  });

  it.each(Object.entries(CONSUMERS))('%s: the consumer names its own queue and a declared one', (queue, consumer) => {
    expect(consumer.queue).toBe(queue);
    expect(QUEUES.some((q) => q.name === queue && q.worker !== null)).toBe(true);
    // Factory providers (the AI processor) are decorated when built; class processors carry it now.
    const decorated = consumedQueue(consumer.processor as Type);
    if (decorated !== undefined) expect(decorated).toBe(queue);
  });

  it('declares every queue name once', () => {
    const names = QUEUES.map((q) => q.name);
    expect(new Set(names).size).toBe(names.length);
  });
});
