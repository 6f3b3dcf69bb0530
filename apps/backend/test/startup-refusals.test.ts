import { testEnv } from './harness/config';
import { spawnBackend } from './harness/processes';

/** The built process itself refuses to start: the checks live in main.ts and the configuration, not in a test helper. */
describe('the backend refuses to start', () => {
  const run = async (env: Record<string, string | undefined>) => {
    const child = spawnBackend(env);
    const code = await Promise.race([child.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000))]);
    if (code === 'hung') await child.stop('SIGKILL');
    return { code, output: child.output() };
  };

  it('with NODE_ENV=test outside the test harness', async () => {
    const { code, output } = await run({ ...testEnv(), ETHICO_TEST_HARNESS: undefined });
    expect(code).toBe(1);
    expect(output).toMatch(/NODE_ENV=test is reserved for the test harness/);
  });

  it('in production with the published development JWT secret', async () => {
    const { code, output } = await run({
      ...testEnv(),
      NODE_ENV: 'production',
      ETHICO_TEST_HARNESS: undefined,
      SMTP_HOST: '127.0.0.1',
      JWT_SECRET: 'ethico-development-secret-do-not-use-in-production',
    });
    expect(code).toBe(1);
    expect(output).toMatch(/JWT_SECRET: .*published development secret/);
  });

  it('in production with a low-entropy admin password', async () => {
    const { code, output } = await run({
      ...testEnv(),
      NODE_ENV: 'production',
      ETHICO_TEST_HARNESS: undefined,
      SMTP_HOST: '127.0.0.1',
      ADMIN_PASSWORD: 'aaaaaaaaaaaaaaaaaaaaaaaa',
    });
    expect(code).toBe(1);
    expect(output).toMatch(/ADMIN_PASSWORD: .*distinct characters/);
  });

  it('with two Redis topologies named at once', async () => {
    const { code, output } = await run({
      ...testEnv(),
      REDIS_SENTINELS: '127.0.0.1:26379',
      REDIS_SENTINEL_NAME: 'ethico',
      REDIS_CLUSTER_NODES: '127.0.0.1:7000',
    });
    expect(code).toBe(1);
    expect(output).toMatch(/REDIS_SENTINELS, REDIS_CLUSTER_NODES: name one topology/);
  });
});
