import { roundPlan, System } from './throughput.bench';

describe('throughput round plan', () => {
  const all: System[] = ['ours', 'bullmq', 'pgboss', 'graphile', 'graphile-default'];

  it('runs ours and raw BullMQ as A B B A, A alternating by round, the others once each around them', () => {
    expect(roundPlan(all, 0)).toEqual(['ours', 'bullmq', 'bullmq', 'ours', 'pgboss', 'graphile', 'graphile-default']);
    expect(roundPlan(all, 1)).toEqual(['pgboss', 'graphile', 'graphile-default', 'bullmq', 'ours', 'ours', 'bullmq']);
    expect(roundPlan(all, 2)).toEqual(['graphile', 'graphile-default', 'ours', 'bullmq', 'bullmq', 'ours', 'pgboss']);
  });

  it('runs every system once when the pair is not both there', () => {
    expect(roundPlan(['ours', 'pgboss'], 1)).toEqual(['pgboss', 'ours']);
    expect(roundPlan(['bullmq'], 0)).toEqual(['bullmq']);
  });
});
