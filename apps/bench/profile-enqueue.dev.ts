import 'reflect-metadata';
import { BenchChild } from './lib/children';
import { appEnv, emailPayload } from './lib/env';
import { bearer, load } from './lib/http';
import { startBenchServers } from './lib/servers';

/** Investigation aid: CPU profile of an API process under enqueue load (`node -r @swc-node/register profile-enqueue.dev.ts` in apps/bench). */
async function main() {
  const servers = await startBenchServers();
  const app = await BenchChild.start('app.main.ts', appEnv(servers, { APP_ROLE: 'api', QUEUE_PREFIX: 'p-enq' }));
  const base = await app.call<string>('url');
  const { organizationId: _, ...body } = emailPayload('o');
  const req = {
    url: `${base}/api/v1/jobs/email`,
    method: 'POST' as const,
    headers: { authorization: bearer('o') },
    body: JSON.stringify(body),
    connections: 10,
    durationS: 3,
  };
  await load(req);
  await app.call('profileStart');
  const r = await load({ ...req, durationS: 6 });
  await app.call('profileStop', { file: process.env.PROFILE_FILE ?? '/tmp/enqueue.cpuprofile' });
  console.log(`enqueue ${r.requestsPerSec} req/s p50 ${r.p50} p99 ${r.p99}`);
  await app.stop();
  await servers.stop();
}
main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
