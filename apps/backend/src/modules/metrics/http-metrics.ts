import type { NextFunction, Request, Response } from 'express';
import { Histogram } from 'prom-client';
import type { MetricsRegistry } from './metrics.registry';

/**
 * Request duration by method, route pattern and status. The label is the matched route
 * (`/api/v1/jobs/:queue`), never the raw path, so ids do not explode the series count.
 */
export function httpMetricsMiddleware(metrics: MetricsRegistry) {
  const duration = new Histogram({
    name: 'ethico_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [metrics.registry],
  });
  return (req: Request, res: Response, next: NextFunction): void => {
    const end = duration.startTimer();
    res.once('finish', () => {
      end({ method: req.method, route: routeOf(req), status: String(res.statusCode) });
    });
    next();
  };
}

function routeOf(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path === 'string') return `${req.baseUrl ?? ''}${path}` || '/';
  // Bull Board is an express router mounted as middleware: one label for all of it.
  if (req.originalUrl.startsWith('/admin/queues')) return '/admin/queues/*';
  return '(unmatched)';
}
