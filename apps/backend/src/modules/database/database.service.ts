import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Pool, PoolClient, QueryResultRow } from 'pg';
import type { AppConfig } from '../../config/configuration';
import { InjectConfig } from '../../config/app-config.module';

/**
 * The process's PostgreSQL pool. Queries are parameterised; a statement timeout keeps a stuck
 * query from holding a worker forever. Connection errors surface to the caller (a job then retries).
 */
@Injectable()
export class DatabaseService implements OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseService.name);
  readonly pool: Pool;

  constructor(@InjectConfig() config: AppConfig) {
    this.pool = new Pool({
      connectionString: config.database.url,
      max: config.database.poolMax,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      statement_timeout: config.database.statementTimeoutMs || undefined,
      application_name: `ethico-${config.role}`,
    });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    this.pool.on('error', (err) => this.logger.warn(`idle PostgreSQL client error: ${err.message}`));
  }

  async query<R extends QueryResultRow = QueryResultRow>(text: string, params: unknown[] = []): Promise<R[]> {
    return (await this.pool.query<R>(text, params)).rows;
  }

  async transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // A checked-out client whose connection dies emits 'error'; unheard, it would crash the process.
    // The query in flight fails with the same error, which reaches the caller (503, or a job retry).
    let broken: Error | undefined;
    const onError = (err: Error) => {
      broken = err;
      this.logger.warn(`PostgreSQL connection lost in a transaction: ${err.message}`);
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch((e: Error) => (broken ??= e));
      throw err;
    } finally {
      client.off('error', onError);
      // A broken connection is destroyed, not handed to the next caller.
      client.release(broken);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
