import 'reflect-metadata';
import { INestApplication, INestApplicationContext, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule, AppModuleExtras } from './app.module';
import type { AppConfig } from '../config/configuration';
import { ADMIN_QUEUES_ROUTE, API_PREFIX } from '../modules/http/routes';
import { adminSecurityHeaders } from '../modules/http/admin-security-headers';
import { bodyErrors, jsonBody } from '../modules/http/body-parsing';
import { jsonOnly, methodNotAllowed, RouteLayer } from '../modules/http/http-semantics';
import { correlationId } from '../modules/http/correlation-id.middleware';
import { correlationContext } from '../modules/logging/correlation-context';
import { httpMetricsMiddleware } from '../modules/metrics/http-metrics';
import { MetricsRegistry } from '../modules/metrics/metrics.registry';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import express from 'express';
import { dirname } from 'node:path';
import { DOCS_ASSETS_ROUTE, DOCS_ROUTE } from './openapi/docs.controller';
import { probeRedis } from '../modules/redis/redis-startup-probe';

export interface RunningApp {
  context: INestApplicationContext;
  /** Set when this process serves HTTP. */
  http?: INestApplication;
  url?: string;
  close(): Promise<void>;
}

/**
 * Builds and starts the process for its role: an HTTP application (`api`, `all`) or a bare
 * application context with workers and no HTTP server (`worker`).
 */
export async function startApp(config: AppConfig, extra: AppModuleExtras = {}): Promise<RunningApp> {
  // Credentials Redis refuses stop the start here, with the variables to fix; a Redis that is away does not.
  const redis = await probeRedis(config);
  if (!redis.reachable) new Logger('Bootstrap').warn(`Redis does not answer (${redis.reason}): starting; jobs answer 503 until it does`);
  const module = AppModule.forRole(config, extra);
  // Logs go through pino (LoggingModule) from the first line; LOG_LEVEL filters there.
  if (config.role === 'worker') {
    const context = await NestFactory.createApplicationContext(module, { bufferLogs: true });
    context.useLogger(context.get(PinoNestLogger));
    await context.init();
    return { context, close: () => context.close() };
  }
  const app = await NestFactory.create<NestExpressApplication>(module, { bufferLogs: true, bodyParser: false });
  app.useLogger(app.get(PinoNestLogger));
  app.disable('x-powered-by');
  app.use(
    correlationId,
    correlationContext,
    httpMetricsMiddleware(app.get(MetricsRegistry)),
    // Express 5's layers have match(); its type declarations do not say so.
    methodNotAllowed(() => app.getHttpAdapter().getInstance().router.stack as unknown as RouteLayer[], [ADMIN_QUEUES_ROUTE]),
    jsonOnly([`/${API_PREFIX}/`, '/admin/api/']),
    ...jsonBody(config.http.bodyLimit),
    bodyErrors,
  );
  // Before Bull Board and the console mount (at init), so their pages and sign-in challenges get them too.
  app.use('/admin', adminSecurityHeaders());
  app.use(DOCS_ASSETS_ROUTE, express.static(dirname(require.resolve('swagger-ui-dist/package.json')), { index: false, maxAge: '1h' }));
  app.setGlobalPrefix(API_PREFIX, {
    exclude: ['health', 'health/{*path}', 'metrics', 'admin/{*path}', DOCS_ROUTE, `${DOCS_ROUTE}/{*path}`],
  });
  await app.listen(config.http.port, config.http.host);
  const url = (await app.getUrl()).replace('[::1]', 'localhost').replace('0.0.0.0', 'localhost');
  new Logger('Bootstrap').log(`HTTP on ${url} (API ${url}/${API_PREFIX}, dashboard ${url}${ADMIN_QUEUES_ROUTE})`);
  return { context: app, http: app, url, close: () => app.close() };
}
