import 'reflect-metadata';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMAIL_QUEUE } from '../backend/src/modules/jobs/queues/email.queue';
import { bullDefaultJobOptions } from '../backend/src/modules/jobs/queues/queue-definition';
import { queuePrefix } from '../backend/src/modules/jobs/queues/queue-prefix';
import { until } from './lib/bench';
import { BenchChild } from './lib/children';
import { appEnv, emailPayload } from './lib/env';
import { benchSealer } from './lib/sealer';
import { startBenchServers } from './lib/servers';

/**
 * Investigation aid, not part of `npm run bench`: runs N no-op jobs through each KIND in turn
 * (ours, bullmq, ours-noval, ...; CONCURRENCY, N from the environment) and prints jobs/s, worker
 * CPU per job and Redis traffic per job; CPU profiles of the measured part go to PROFILE_DIR
 * (NO_PROFILE=1 skips them, CMDSTATS=1 prints Redis command counts, SEALED=1 seals our payloads as
 * the benchmark does, NODE_ARGS adds node flags to the worker, e.g. a heap profile).
 */
const PROFILE_DIR = process.env.PROFILE_DIR ?? join(tmpdir(), 'ethico-bench-prof');

async function main() {
  mkdirSync(PROFILE_DIR, { recursive: true });
  const servers = await startBenchServers();
  for (const kind of (process.env.KINDS ?? 'ours,bullmq').split(',')) {
    const prefix = `p-${kind}-${Math.random().toString(36).slice(2, 6)}`;
    const child = await BenchChild.start(
      'consumer.main.ts',
      appEnv(servers, { KIND: kind, CONCURRENCY: process.env.CONCURRENCY ?? '10', QUEUE_PREFIX: prefix }),
      { nodeArgs: process.env.NODE_ARGS?.split(' ').filter(Boolean) },
    );
    const q = new Queue('email', {
      connection: { ...servers.redis, maxRetriesPerRequest: null },
      // Our workers keep each queue under its own hash tag; raw BullMQ's use the prefix as given.
      prefix: kind.startsWith('ours') ? queuePrefix(prefix, 'email') : prefix,
      defaultJobOptions: bullDefaultJobOptions(EMAIL_QUEUE),
    });
    const N = Number(process.env.N ?? 20000);
    await q.pause();
    // SEALED=1: payloads sealed as JobsService.enqueue stores them (the throughput benchmark's producer does the same for ours).
    const sealing = process.env.SEALED && kind.startsWith('ours') ? benchSealer(servers) : undefined;
    for (let i = 0; i < N; i += 1000) {
      const payloads = Array.from({ length: 1000 }, (_, j) => emailPayload('o', i + j));
      const data = sealing ? await Promise.all(payloads.map((p) => sealing.sealer.seal(p))) : payloads;
      await q.addBulk(data.map((d) => ({ name: 'send-email', data: d })));
    }
    await sealing?.close();
    const r = new IORedis(servers.redis);
    await r.config('RESETSTAT');
    await child.call('reset');
    if (!process.env.NO_PROFILE) await child.call('profileStart');
    const t = Date.now();
    await q.resume();
    const s = await until(
      async () => {
        const s = await child.call<{ count: number; cpuUs: number }>('stats');
        return s.count >= N ? s : undefined;
      },
      300000,
      'done',
    );
    if (!process.env.NO_PROFILE) await child.call('profileStop', { file: join(PROFILE_DIR, `${kind}.cpuprofile`) });
    console.log(kind, 'jobs/s', (N / ((Date.now() - t) / 1000)).toFixed(0), 'cpu µs/job', (s.cpuUs / N).toFixed(1));
    const st = await r.info('stats');
    console.log(
      kind,
      'net in bytes/job',
      Number(/total_net_input_bytes:(\d+)/.exec(st)![1]) / N,
      'out',
      Number(/total_net_output_bytes:(\d+)/.exec(st)![1]) / N,
    );
    if (process.env.CMDSTATS)
      console.log(
        (await r.info('commandstats'))
          .split('\n')
          .filter((l) => l.startsWith('cmdstat_'))
          .map((l) => l.replace(/,usec_per_call.*$/, ''))
          .join('\n'),
      );
    r.disconnect();
    await q.close();
    await child.stop();
  }
  await servers.stop();
}
main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
