import autocannon from 'autocannon';
import { sign } from 'jsonwebtoken';
import { BENCH_JWT_SECRET } from './env';

export function bearer(organizationId: string, userId = 'bench-user'): string {
  return `Bearer ${sign({ sub: userId, organizationId }, BENCH_JWT_SECRET, { algorithm: 'HS256', expiresIn: '2h' })}`;
}

export interface LoadResult {
  requestsPerSec: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  requests: number;
  non2xx: number;
  errors: number;
}

/** autocannon in this process; `rate` paces the load (requests/s overall) instead of saturating. */
export async function load(opts: {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  durationS: number;
  rate?: number;
}): Promise<LoadResult> {
  const r = await autocannon({
    url: opts.url,
    method: opts.method ?? 'GET',
    headers: { 'content-type': 'application/json', ...(opts.headers ?? {}) },
    body: opts.body,
    connections: opts.connections,
    duration: opts.durationS,
    ...(opts.rate ? { overallRate: opts.rate } : {}),
  });
  return {
    requestsPerSec: r.requests.average,
    p50: r.latency.p50,
    p90: r.latency.p90,
    p99: r.latency.p99,
    max: r.latency.max,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}
