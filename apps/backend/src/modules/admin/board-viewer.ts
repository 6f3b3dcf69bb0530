import type { Request, Response } from 'express';
import { redactPayload, scrubEmails } from '../logging/redaction';

/** Job fields Bull Board returns that hold payloads or results. */
const PAYLOAD_FIELDS = new Set(['data', 'returnValue']);

function redactBoardBody(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubEmails(value);
  if (depth > 12 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactBoardBody(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = PAYLOAD_FIELDS.has(k) ? redactPayload(v) : redactBoardBody(v, depth + 1);
  }
  return out;
}

/**
 * Viewers see Bull Board with payloads redacted: its API answers with res.json, so the body is
 * redacted on its way out (job data, return values, emails in failure reasons and logs).
 */
export function redactBoardForViewer(_req: Request, res: Response): void {
  const json = res.json.bind(res);
  res.json = (body: unknown) => json(readOnlyQueues(redactBoardBody(body)));
}

/** Every queue read-only in the board's queue list: the UI then shows a viewer no action buttons. */
function readOnlyQueues(body: unknown): unknown {
  const queues = (body as { queues?: unknown })?.queues;
  if (!Array.isArray(queues)) return body;
  return {
    ...(body as object),
    queues: (queues as unknown[]).map((q) =>
      q && typeof q === 'object' ? { ...q, readOnlyMode: true, allowRetries: false, allowCompletedRetries: false } : q,
    ),
  };
}
