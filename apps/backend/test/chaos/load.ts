import { request as httpRequest, Agent } from 'node:http';

export interface LoadResult {
  accepted: string[];
  statuses: Record<number, number>;
  /** Latency of every 503 answer, in ms. */
  unavailableMs: number[];
  /** Latency of every 202 answer, in ms. */
  acceptedMs: number[];
  /** When each 202 arrived (Date.now()), in the order of `accepted`. */
  acceptedAt: number[];
  /** What the 503 answers said (after "queue ... is unavailable:", digits as N): how many of each. */
  unavailableReasons: Record<string, number>;
  errors: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

export function post(
  url: string,
  body: unknown,
  headers: Record<string, string>,
  timeoutMs = 10_000,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body));
    const req = httpRequest(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': String(data.length), ...headers },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(data);
  });
}

const reasonOf = (body: string): string => {
  try {
    const message = String((JSON.parse(body) as { message?: unknown }).message);
    return message.replace(/^queue \S+ is unavailable: (Redis error: )?/, '').replace(/\d+/g, 'N');
  } catch {
    return 'unparsed body';
  }
};

/**
 * Enqueues `count` jobs over HTTP with bounded concurrency, recording every job accepted with 202.
 * `stop` ends early (the jobs sent so far are still counted).
 */
export async function enqueueMany(opts: {
  url: string;
  token: string;
  count: number;
  concurrency: number;
  body: (i: number) => unknown;
  stop?: () => boolean;
  /** A client that retries: a 503 is sent again (same body) after this many ms, until accepted. */
  retryUnavailableMs?: number;
}): Promise<LoadResult> {
  const result: LoadResult = {
    accepted: [],
    statuses: {},
    unavailableMs: [],
    acceptedMs: [],
    acceptedAt: [],
    unavailableReasons: {},
    errors: 0,
  };
  let next = 0;
  const lane = async () => {
    while (next < opts.count && !opts.stop?.()) {
      const i = next++;
      for (let again = true; again;) {
        again = false;
        const started = Date.now();
        try {
          const res = await post(opts.url, opts.body(i), { authorization: `Bearer ${opts.token}` });
          result.statuses[res.status] = (result.statuses[res.status] ?? 0) + 1;
          if (res.status === 202) {
            result.accepted.push(JSON.parse(res.body).id);
            result.acceptedMs.push(Date.now() - started);
            result.acceptedAt.push(Date.now());
          }
          if (res.status === 503) {
            result.unavailableMs.push(Date.now() - started);
            const reason = reasonOf(res.body);
            result.unavailableReasons[reason] = (result.unavailableReasons[reason] ?? 0) + 1;
            if (opts.retryUnavailableMs !== undefined && !opts.stop?.()) {
              await new Promise((r) => setTimeout(r, opts.retryUnavailableMs));
              again = true;
            }
          }
        } catch {
          result.errors++;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, lane));
  return result;
}

/** Answers that are neither accepted nor "unavailable, retry": there must be none. */
export const unexpectedStatuses = (statuses: Record<number, number>) =>
  Object.entries(statuses).filter(([code]) => code !== '202' && code !== '503');
