import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { findBinary, freePort } from '../src/dev/embedded/processes';
import { RunningRedis, startRedisServer } from '../src/dev/embedded/redis-server';
import { startTestApp, TestApp } from './harness/app';
import { bearer } from './harness/http';
import { eventually } from './harness/wait';

const openssl = findBinary('openssl');
const emailJob = {
  to: ['a@example.com'],
  templateId: 'case-assigned',
  context: { caseNumber: 'C-1', caseTitle: 'T', assigneeName: 'A', caseUrl: 'https://app.example.com/cases/1' },
};
const none = { REDIS_HOST: undefined, REDIS_PORT: undefined, REDIS_PASSWORD: undefined, REDIS_DB: undefined };

/** A CA and a server certificate for localhost, made with openssl for this run. */
function certificates(dir: string): { ca: string; cert: string; key: string } {
  mkdirSync(dir, { recursive: true });
  const f = (name: string) => join(dir, name);
  const run = (...args: string[]) => execFileSync(openssl!, args, { stdio: 'ignore' });
  run(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
    '-days',
    '1',
    '-subj',
    '/CN=ethico-test-ca',
  );
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=localhost');
  writeFileSync(f('ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  run(
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.pem'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-out',
    f('server.pem'),
    '-days',
    '1',
    '-extfile',
    f('ext.cnf'),
  );
  return { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key') };
}

// openssl makes the certificates; without it there is nothing to test against.
const describeTls = openssl ? describe : describe.skip;
if (!openssl) console.warn('redis-tls-acl: skipped, no openssl binary to make certificates');

/** A Redis that speaks only TLS and knows one ACL user (the default user disabled). */
describeTls('Redis over TLS with an ACL user', () => {
  let redis: RunningRedis;
  let certs: ReturnType<typeof certificates>;
  let port: number;
  const apps: TestApp[] = [];
  beforeAll(async () => {
    const dir = join(process.env.TEST_TMP_DIR!, `tls-${process.pid}`);
    certs = certificates(join(dir, 'certs'));
    port = await freePort();
    redis = await startRedisServer({
      dir: join(dir, 'redis'),
      port,
      args: [
        ...['--port', '0', '--tls-port', String(port), '--tls-cert-file', certs.cert, '--tls-key-file', certs.key],
        ...['--tls-ca-cert-file', certs.ca, '--tls-auth-clients', 'no'],
        ...['--user', 'default', 'off', '--user', 'jobs', 'on', '>s3cret', '~*', '&*', '+@all'],
      ],
    });
  });
  afterAll(async () => {
    // An app that never reached Redis does not finish closing its BullMQ queues (in production
    // SHUTDOWN_TIMEOUT_MS bounds this); give each a few seconds.
    await Promise.all(apps.map((a) => Promise.race([a.close(), new Promise((r) => setTimeout(r, 3_000))])));
    await redis?.stop();
  });
  const start = async (env: Record<string, string>) => {
    const app = await startTestApp({ ...none, ...env });
    apps.push(app);
    return app;
  };

  it('runs jobs with rediss://user:password and the CA file', async () => {
    const app = await start({ REDIS_URL: `rediss://jobs:s3cret@localhost:${port}`, REDIS_TLS_CA_FILE: certs.ca, APP_ROLE: 'all' });
    const res = await request(app.url!).post('/api/v1/jobs/email').set(bearer('org-tls')).send(emailJob);
    expect(res.status).toBe(202);
    await eventually(async () => {
      const job = await request(app.url!).get(`/api/v1/jobs/email/${res.body.id}`).set(bearer('org-tls'));
      return job.body.state === 'completed';
    }, 10_000);
    expect((await request(app.url!).get('/health/ready')).status).toBe(200);
  });

  it.each([
    ['a wrong password', 'jobs:wrong'],
    ['an unknown user', 'nobody:s3cret'],
    ['no credentials (the default user is off)', ''],
  ])('refuses to start with %s, naming the variables to fix', async (_, credentials) => {
    const url = `rediss://${credentials ? `${credentials}@` : ''}localhost:${port}`;
    const started = Date.now();
    await expect(start({ REDIS_URL: url, REDIS_TLS_CA_FILE: certs.ca, APP_ROLE: 'all' })).rejects.toThrow(
      /Redis refused this deployment's credentials \((WRONGPASS|NOAUTH)[^)]*\): check REDIS_URL, REDIS_USERNAME, REDIS_PASSWORD/,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it.each<[string, (port: number, ca: string) => Record<string, string>]>([
    ['no CA for the self-signed certificate', (p) => ({ REDIS_URL: `rediss://jobs:s3cret@localhost:${p}` })],
    ['plain TCP to a TLS port', (p) => ({ REDIS_URL: `redis://jobs:s3cret@localhost:${p}` })],
  ])('is not ready with %s', async (_, env) => {
    const app = await start({ ...env(port, certs.ca), APP_ROLE: 'api' });
    const res = await request(app.url!).get('/health/ready');
    expect(res.status).toBe(503);
    expect(res.body.error?.redis?.status).toBe('down');
  });
});
