import { Injectable, Logger, OnApplicationShutdown, ServiceUnavailableException } from '@nestjs/common';
import { DiscoveryService, ModuleRef } from '@nestjs/core';
import { HealthCheckResult, HealthCheckService, HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { DatabaseService } from '../database/database.service';
import { withTimeout } from '../jobs/jobs.errors';
import { CONSUMED_QUEUES } from '../jobs/runtime/consumed-queues';
import { ConsumptionWatchdogService } from '../jobs/runtime/consumption-watchdog.service';
import { discoverWorkers } from '../jobs/runtime/discover-workers';
import { RedisClient, RedisConnectionFactory } from '../redis/redis-connection.factory';

const CHECK_TIMEOUT_MS = 2_000;

export interface HealthAnswer {
  status: number;
  body: HealthCheckResult & { message?: string };
}

/**
 * Liveness says the process runs; readiness says it can do its job: Redis and PostgreSQL answer,
 * and every queue this process is meant to consume has a running worker that consumes (the
 * consumption watchdog finds none wedged). Shared by the HTTP
 * controller and the worker role's metrics server.
 */
@Injectable()
export class HealthChecksService implements OnApplicationShutdown {
  private readonly logger = new Logger('Health');
  private redis?: RedisClient;

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly redisFactory: RedisConnectionFactory,
    private readonly db: DatabaseService,
    private readonly discovery: DiscoveryService,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** The queues WorkersModule was composed with in this process; none where it is absent (api role). */
  private expectedQueues(): string[] {
    try {
      return this.moduleRef.get<string[]>(CONSUMED_QUEUES, { strict: false });
    } catch {
      return [];
    }
  }

  /** Present where WorkersModule is (roles all and worker). */
  private watchdog(): ConsumptionWatchdogService | null {
    try {
      return this.moduleRef.get(ConsumptionWatchdogService, { strict: false });
    } catch {
      return null;
    }
  }

  live(): Promise<HealthAnswer> {
    return this.run([]);
  }

  ready(): Promise<HealthAnswer> {
    return this.run([() => this.checkRedis(), () => this.checkPostgres(), () => this.checkWorkers()]);
  }

  onApplicationShutdown(): void {
    this.redis = undefined; // closed by the factory
  }

  private async run(checks: (() => Promise<HealthIndicatorResult>)[]): Promise<HealthAnswer> {
    try {
      return { status: 200, body: await this.health.check(checks) };
    } catch (err) {
      if (!(err instanceof ServiceUnavailableException)) throw err;
      const body = err.getResponse() as HealthCheckResult;
      const failing = Object.keys(body.error ?? {});
      const message = failing.length ? `not ready: ${failing.join(', ')}` : `status ${body.status}`;
      this.logger.warn({ msg: `health check failed: ${message}`, error: body.error });
      return { status: 503, body: { ...body, message } };
    }
  }

  private async probe(key: string, fn: () => Promise<Record<string, unknown> | void>): Promise<HealthIndicatorResult> {
    const session = this.indicator.check(key);
    try {
      const details = await withTimeout(
        Promise.resolve(fn()),
        CHECK_TIMEOUT_MS,
        () => new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`),
      );
      return session.up(details ?? {});
    } catch (err) {
      return session.down({ message: (err as Error).message });
    }
  }

  private checkRedis(): Promise<HealthIndicatorResult> {
    return this.probe('redis', async () => {
      const redis = (this.redis ??= this.redisFactory.create('ethico-health'));
      // The client fails fast while disconnected; give a fresh one the chance to connect first.
      if (redis.status !== 'ready')
        await new Promise<void>((resolve) => {
          redis.once('ready', resolve);
          setTimeout(resolve, CHECK_TIMEOUT_MS - 100).unref();
        });
      // On Cluster every master answers, or some queues' slots are unreachable.
      const nodes = RedisConnectionFactory.masters(redis);
      if (nodes.length === 0) throw new Error('no Redis Cluster master known yet');
      const pongs: string[] = await Promise.all(nodes.map((n) => n.ping()));
      const odd = pongs.find((p) => p !== 'PONG');
      if (odd !== undefined) throw new Error(`unexpected answer ${odd}`);
    });
  }

  private checkPostgres(): Promise<HealthIndicatorResult> {
    return this.probe('postgres', async () => {
      await this.db.ping();
    });
  }

  private checkWorkers(): Promise<HealthIndicatorResult> {
    return this.probe('workers', async () => {
      const running = new Set(
        discoverWorkers(this.discovery)
          // A worker paused while the process yields to requests (worker-yield.service.ts) is alive.
          .filter((w) => (w.isRunning() || w.isPaused()) && !w.closing)
          .map((w) => w.name),
      );
      const expected = this.expectedQueues();
      const missing = expected.filter((q) => !running.has(q));
      if (missing.length) throw new Error(`no running worker for ${missing.join(', ')}`);
      const wedged = this.watchdog()?.wedgedQueues() ?? [];
      if (wedged.length) throw new Error(`worker wedged (jobs ready, none started) for ${wedged.join(', ')}`);
      return { queues: expected };
    });
  }
}
