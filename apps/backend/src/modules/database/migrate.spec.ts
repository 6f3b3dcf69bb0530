import { readdirSync } from 'node:fs';
import { Client } from 'pg';
import { migrate, MIGRATIONS_DIR } from './migrate';

/** Against a fresh database on the harness's PostgreSQL, so every migration is pending. */
describe('migrate', () => {
  const base = new URL(process.env.TEST_DATABASE_URL!);
  const name = `migrate_race_${Date.now()}`;
  const admin = () => new Client({ connectionString: base.toString() });

  beforeAll(async () => {
    const c = admin();
    await c.connect();
    await c.query(`CREATE DATABASE ${name}`);
    await c.end();
  });
  afterAll(async () => {
    const c = admin();
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  });

  it('applies each migration once while processes that start together all wait and succeed', async () => {
    const url = new URL(base.toString());
    url.pathname = `/${name}`;
    const results = await Promise.all([1, 2, 3, 4].map(() => migrate(url.toString())));
    const expected = readdirSync(MIGRATIONS_DIR)
      .filter((f) => f.endsWith('.sql'))
      .map((f) => f.replace(/\.sql$/, ''))
      .sort();
    expect(results.flat().sort()).toEqual(expected);
    expect(expected.length).toBeGreaterThan(0);
  });
});
