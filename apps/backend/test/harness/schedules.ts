import { randomBytes } from 'node:crypto';
import { sign } from 'jsonwebtoken';
import { Client } from 'pg';
import { migrate } from '../../src/modules/database/migrate';
import { TEST_JWT_SECRET } from './config';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A database of its own, migrated. Schedules are reconciled for every tenant of a database by any
 * process that consumes the scheduled queue: in the shared test database, other tests' processes
 * would run this test's tenants' checks (and send their emails) on their own SMTP servers.
 */
export async function isolatedDatabase(): Promise<TestDatabase> {
  const name = `ethico_sched_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(process.env.TEST_DATABASE_URL!);
  url.pathname = `/${name}`;
  await migrate(url.toString());
  return {
    url: url.toString(),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

export const tenantAdmin = (organizationId: string, userId = 'admin-1') => ({
  Authorization: `Bearer ${sign({ sub: userId, organizationId, role: 'admin' }, TEST_JWT_SECRET, { algorithm: 'HS256', expiresIn: '1h' })}`,
});
