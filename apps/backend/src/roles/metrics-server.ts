import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '../config/configuration';
import { InjectConfig } from '../config/app-config.module';
import { HealthChecksService } from '../modules/health/health-checks.service';
import { HealthModule } from '../modules/health/health.module';
import { MetricsRegistry } from '../modules/metrics/metrics.registry';

/**
 * The worker role has no HTTP application; this small server gives Prometheus and the
 * orchestrator what the API's port gives them: /metrics, /health/live and /health/ready.
 */
@Injectable()
export class MetricsHttpServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('MetricsServer');
  private server?: Server;

  constructor(
    private readonly metrics: MetricsRegistry,
    private readonly health: HealthChecksService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** The bound port (METRICS_PORT=0 picks a free one). */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const answer = async (): Promise<{ status: number; type: string; body: string }> => {
        if (req.method !== 'GET' && req.method !== 'HEAD') return { status: 405, type: 'text/plain', body: 'method not allowed\n' };
        if (path === '/metrics') return { status: 200, type: this.metrics.contentType, body: await this.metrics.metrics() };
        if (path === '/health' || path === '/health/live' || path === '/health/ready') {
          const result = path === '/health/ready' ? await this.health.ready() : await this.health.live();
          return { status: result.status, type: 'application/json', body: JSON.stringify(result.body) };
        }
        return { status: 404, type: 'text/plain', body: 'not found\n' };
      };
      answer().then(
        ({ status, type, body }) => res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' }).end(body),
        (err: Error) => {
          this.logger.error(`metrics server: ${err.message}`);
          res.writeHead(500, { 'Content-Type': 'text/plain' }).end('internal error\n');
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.operations.metricsPort, this.config.http.host, () => resolve());
    });
    this.server = server;
    this.logger.log(`metrics and health on http://${this.config.http.host}:${this.port}/metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
}

/** Imported in the worker role only (AppModule), where no HTTP application serves /metrics. */
@Module({ imports: [HealthModule], providers: [MetricsHttpServer], exports: [MetricsHttpServer] })
export class MetricsServerModule {}
