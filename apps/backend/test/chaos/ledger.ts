import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Queue } from 'bullmq';

export interface Ledger {
  accepted: number;
  completed: number;
  deadLettered: number;
  /** Accepted, not pending, never finished and not in the dead-letter queue: must be 0. */
  lost: string[];
  /** Jobs that ran to the end more than once (at-least-once delivery after a crash). */
  duplicates: number;
  /**
   * Jobs that ran although no enqueue was answered 202 for them: a 503 (or an unanswered request)
   * whose job was stored anyway. 0 when Redis stalls; a kill mid-command may leave a few.
   */
  ranUnaccepted: number;
  pending: number;
}

/** Every execution that finished, from the workers' run logs: job id -> times. */
export function finishedRuns(dir: string): Map<string, number> {
  const runs = new Map<string, number>();
  if (!existsSync(dir)) return runs;
  for (const file of readdirSync(dir)) {
    for (const id of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (id) runs.set(id, (runs.get(id) ?? 0) + 1);
    }
  }
  return runs;
}

export async function pendingCount(queue: Queue): Promise<number> {
  const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'paused');
  return Object.values(c).reduce((a, b) => a + b, 0);
}

/** Accounts for every accepted job: finished, in the dead-letter queue, or lost. */
export async function ledger(accepted: string[], runLogDir: string, source: Queue, dlq: Queue): Promise<Ledger> {
  const runs = finishedRuns(runLogDir);
  const dead = new Set(
    (await dlq.getJobs(['waiting'], 0, -1)).filter((j) => j?.data.sourceQueue === source.name).map((j) => j.data.jobId as string),
  );
  const lost: string[] = [];
  let completed = 0;
  let deadLettered = 0;
  let duplicates = 0;
  for (const id of accepted) {
    const n = runs.get(id) ?? 0;
    if (n > 0) completed++;
    if (n > 1) duplicates++;
    if (n === 0 && dead.has(id)) deadLettered++;
    if (n === 0 && !dead.has(id)) lost.push(id);
  }
  const acceptedSet = new Set(accepted);
  const ranUnaccepted = [...runs.keys()].filter((id) => !acceptedSet.has(id)).length;
  return { accepted: accepted.length, completed, deadLettered, lost, duplicates, ranUnaccepted, pending: await pendingCount(source) };
}
