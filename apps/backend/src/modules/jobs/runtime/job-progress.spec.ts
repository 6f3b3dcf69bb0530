import { setTimeout as sleep } from 'node:timers/promises';
import { JobProgressReporter, RowProgress } from './job-progress';

function recordingJob() {
  const sent: { at: number; value: RowProgress }[] = [];
  return { sent, job: { updateProgress: async (value: unknown) => void sent.push({ at: Date.now(), value: value as RowProgress }) } };
}

describe('JobProgressReporter', () => {
  it('sends at once, then at most about four times a second however often rows change, and the end', async () => {
    const { sent, job } = recordingJob();
    const reporter = new JobProgressReporter(job, 1000);
    const started = Date.now();
    // At least 1.1 s and every row: on a loaded machine the 5 ms sleeps take longer.
    for (let rows = 0; rows <= 1000 || Date.now() - started < 1_100; rows += 10) {
      reporter.set(Math.min(rows, 1000));
      await sleep(5);
    }
    const elapsed = Date.now() - started;
    await reporter.finish(100);
    expect(sent[0].value).toEqual({ rows: 0, total: 1000, percent: 0 });
    // One send per 250 ms at most over the run, plus the first and the last.
    expect(sent.length).toBeGreaterThanOrEqual(4);
    expect(sent.length).toBeLessThanOrEqual(Math.ceil(elapsed / 250) + 2);
    const gaps = sent.slice(1, -1).map((s, i) => s.at - sent[i].at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(200);
    expect(sent.at(-1)!.value).toEqual({ rows: 1000, total: 1000, percent: 100 });
  });

  it('sends an unchanged value at least once a second, so a slow batch does not look like a dead job', async () => {
    const { sent, job } = recordingJob();
    const reporter = new JobProgressReporter(job, 10);
    reporter.set(3);
    await sleep(2_300);
    reporter.stop();
    const gaps = sent.slice(1).map((s, i) => s.at - sent[i].at);
    expect(sent.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(1_000);
    expect(sent.at(-1)!.value).toEqual({ rows: 3, total: 10, percent: 30 });
  });

  it('keeps the percent under its ceiling until the end (a second pass has the rest)', async () => {
    const { sent, job } = recordingJob();
    const reporter = new JobProgressReporter(job, 50, 99);
    reporter.set(50);
    await reporter.finish();
    expect(sent.at(-1)!.value.percent).toBe(99);
  });
});
