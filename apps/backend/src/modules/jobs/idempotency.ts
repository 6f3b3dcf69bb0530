import { createHash } from 'node:crypto';

/**
 * Who chose an idempotency key. Client keys (the Idempotency-Key header) and the system's own keys
 * (a case's indexing or AI key) live in separate namespaces, so a tenant cannot pre-empt a system job.
 */
export type IdempotencyScope = 'client' | 'system';

const SCOPE_PREFIX: Record<IdempotencyScope, string> = { system: 'k', client: 'c' };

/**
 * Scoped by key owner and tenant, and shaped to BullMQ's rules for custom ids (no ':' and not an
 * integer). The prefix differs per scope, so the ids of two scopes can never be equal.
 */
export function idempotentJobId(organizationId: string, key: string, scope: IdempotencyScope = 'system'): string {
  // System ids hash as they always did (jobs already in Redis keep their ids); the prefix separates the scopes.
  const input = scope === 'system' ? `${organizationId}\n${key}` : `client\n${organizationId}\n${key}`;
  const digest = createHash('sha256').update(input).digest('hex').slice(0, 40);
  return `${SCOPE_PREFIX[scope]}-${digest}`;
}

/** JSON with object keys sorted, so equal payloads hash equally whatever their key order. */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export const payloadHash = (value: unknown) => createHash('sha256').update(canonicalJson(value)).digest('hex');

/**
 * What a request asked for, for comparing two uses of one key: the job name and payload, without
 * the correlation id (each retry of a request has its own).
 */
export function requestHash(name: string, data: unknown): string {
  const { correlationId: _ignored, ...rest } = (data ?? {}) as Record<string, unknown>;
  return payloadHash({ name, data: rest });
}

/** The record kept for a key, with its own TTL: it outlives the job, which retention may remove. */
export interface IdempotencyRecord {
  jobId: string;
  name: string;
  requestHash: string;
}

export function parseRecord(raw: string | null): IdempotencyRecord | null {
  if (!raw) return null;
  try {
    const r = JSON.parse(raw) as Partial<IdempotencyRecord>;
    return typeof r.jobId === 'string' && typeof r.name === 'string' && typeof r.requestHash === 'string'
      ? { jobId: r.jobId, name: r.name, requestHash: r.requestHash }
      : null;
  } catch {
    return null;
  }
}

/** The key was used before for a different request: the convention of payment APIs is a 422. */
export class IdempotencyConflictError extends Error {
  constructor(
    readonly key: string,
    readonly original: { jobId: string; name: string },
  ) {
    super(
      `Idempotency-Key "${key}" was already used with a different request (job ${original.jobId}, ${original.name}); ` +
        'use a new key for a new request',
    );
    this.name = 'IdempotencyConflictError';
  }
}
