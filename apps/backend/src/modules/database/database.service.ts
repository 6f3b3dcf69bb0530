import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Pool, PoolClient, QueryResultRow } from 'pg';
import type { AppConfig } from '../../config/configuration';
import { InjectConfig } from '../../config/app-config.module';
import { inRequest } from '../logging/correlation-context';

/**
 * The process's PostgreSQL pools. Queries are parameterised; a statement timeout keeps a stuck
 * query from holding a worker forever. Connection errors surface to the caller (a job then retries).
 *
 * Requests and background work draw from separate pools: where one process serves HTTP and runs
 * workers (APP_ROLE=all), a backlog of indexing jobs would otherwise hold every connection and
 * requests would wait behind background work. A query made while handling an HTTP request (its
 * correlation context, see correlation-context.ts) uses the requests' pool; any other (jobs, timers)
 * the jobs' pool. So services used by both need not know which they serve, and jobs need no context.
 */
@Injectable()
export class DatabaseService implements OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseService.name);
  private readonly requestPool: Pool;
  private readonly jobPool: Pool;

  constructor(@InjectConfig() config: AppConfig) {
    const pool = (max: number, name: string) => {
      const p = new Pool({
        connectionString: config.database.url,
        max,
        connectionTimeoutMillis: 5_000,
        idleTimeoutMillis: 30_000,
        statement_timeout: config.database.statementTimeoutMs || undefined,
        application_name: name,
      });
      // An idle client losing its connection must not crash the process; the next query reconnects.
      p.on('error', (err) => this.logger.warn(`idle PostgreSQL client error: ${err.message}`));
      return p;
    };
    // Pools connect on first use: a worker process opens the request pool for its health probe only.
    this.requestPool = pool(config.database.poolMax, `ethico-${config.role}`);
    this.jobPool = pool(config.database.jobPoolMax, `ethico-${config.role}-jobs`);
  }

  /** The pool for the caller's unit of work: the requests' pool while handling a request, else the jobs' pool. */
  get pool(): Pool {
    return inRequest() ? this.requestPool : this.jobPool;
  }

  /** Readiness probe: on the requests' pool, so busy jobs never make a process look down. */
  async ping(): Promise<void> {
    await this.requestPool.query('SELECT 1');
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
    await Promise.all([this.requestPool.end(), this.jobPool.end()]);
  }
}
