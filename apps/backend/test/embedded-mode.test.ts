import { chmodSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedServices } from '../src/dev/embedded/embedded-services';
import { freePort } from '../src/dev/embedded/processes';

/** EMBEDDED=auto|always|never decides whether `npm start` probes local ports and runs private servers. */
describe('EMBEDDED', () => {
  const base = mkdtempSync(join(process.env.TEST_TMP_DIR ?? '/tmp', 'embedded-mode-'));
  chmodSync(base, 0o755);
  const redisPort = new URL(process.env.TEST_REDIS_URL!).port;
  const pg = new URL(process.env.TEST_DATABASE_URL!);

  it('never: no probe, no server, the environment as given', async () => {
    const env = { EMBEDDED: 'never', DATA_DIR: join(base, 'never') };
    const embedded = await startEmbeddedServices(env);
    expect(embedded.env).toEqual(env);
    expect(embedded.notes).toEqual([expect.stringMatching(/^EMBEDDED=never: no probes/)]);
    await embedded.stop();
  });

  it('always: a private Redis although one answers on REDIS_PORT, and the log says so', async () => {
    const embedded = await startEmbeddedServices({
      EMBEDDED: 'always',
      REDIS_PORT: redisPort,
      DATABASE_URL: process.env.TEST_DATABASE_URL,
      DATA_DIR: join(base, 'always'),
    });
    try {
      expect(embedded.env.REDIS_PORT).not.toBe(redisPort);
      expect(embedded.notes).toEqual([
        expect.stringMatching(
          new RegExp(`^EMBEDDED=always: Redis: started a private redis-server on 127\\.0\\.0\\.1:${embedded.env.REDIS_PORT}`),
        ),
        'EMBEDDED=always: PostgreSQL: DATABASE_URL is set, using it',
      ]);
    } finally {
      await embedded.stop();
    }
  });

  it('auto: uses the Redis that answers on REDIS_PORT and the PostgreSQL that answers on PGPORT, naming both probes', async () => {
    const embedded = await startEmbeddedServices({
      REDIS_PORT: redisPort,
      PGPORT: pg.port,
      PGUSER: decodeURIComponent(pg.username),
      DATA_DIR: join(base, 'auto'),
    });
    try {
      expect(embedded.env.REDIS_HOST).toBeUndefined();
      expect(embedded.env.DATABASE_URL).toBe(`postgres://${pg.username}@127.0.0.1:${pg.port}/ethico`);
      expect(embedded.notes).toEqual([
        `EMBEDDED=auto: Redis: probed 127.0.0.1:${redisPort}, a server answers: using it (EMBEDDED=always runs a private one instead)`,
        `EMBEDDED=auto: PostgreSQL: probed 127.0.0.1:${pg.port}, a server answers: using database ethico as ${pg.username} (EMBEDDED=always runs a private one instead)`,
      ]);
      const client = new Client({ connectionString: embedded.env.DATABASE_URL });
      await client.connect();
      await client.end();
    } finally {
      await embedded.stop();
    }
  });

  it('auto: nothing on the probed Redis port starts a private one', async () => {
    const port = String(await freePort());
    const embedded = await startEmbeddedServices({
      REDIS_PORT: port,
      DATABASE_URL: process.env.TEST_DATABASE_URL,
      DATA_DIR: join(base, 'auto2'),
    });
    try {
      expect(embedded.env.REDIS_HOST).toBe('127.0.0.1');
      expect(embedded.notes[0]).toMatch(
        new RegExp(`^EMBEDDED=auto: Redis: probed 127\\.0\\.0\\.1:${port}, nothing answers: started a private redis-server`),
      );
    } finally {
      await embedded.stop();
    }
  });

  it('refuses an unknown mode, and always in production', async () => {
    await expect(startEmbeddedServices({ EMBEDDED: 'sometimes' })).rejects.toThrow('EMBEDDED: must be auto, always or never');
    await expect(startEmbeddedServices({ EMBEDDED: 'always', NODE_ENV: 'production' })).rejects.toThrow(/EMBEDDED: cannot be always/);
  });
});
