/** Redis did not take the job in time (down, or too slow): producers answer 503 and the caller may retry. */
export class QueueUnavailableError extends Error {
  constructor(queue: string, reason: string) {
    super(`queue ${queue} is unavailable: ${reason}`);
    this.name = 'QueueUnavailableError';
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The tenant has FAIRNESS_MAX_PENDING jobs waiting on the queue already (docs/fairness.md): nothing
 * was stored, and producers answer 429 with Retry-After.
 */
export class TenantBackpressureError extends Error {
  constructor(
    readonly queue: string,
    readonly organizationId: string,
    readonly pending: number,
    readonly limit: number,
    readonly retryAfterSeconds: number,
  ) {
    super(`organization ${organizationId} has ${pending} jobs waiting on queue ${queue} (at most ${limit}); try again later`);
    this.name = 'TenantBackpressureError';
  }
}
