import express, { ErrorRequestHandler, RequestHandler } from 'express';
import { isJsonType } from './http-semantics';

/**
 * JSON bodies up to BODY_LIMIT (application/json and +json types such as merge-patch+json); malformed
 * JSON is a 400 and an oversized body a 413, both as JSON.
 */
export function jsonBody(limit: string): RequestHandler[] {
  return [express.json({ limit, type: (req) => isJsonType(String(req.headers['content-type'] ?? '')) })];
}

/** What body-parser hands on: an http-errors error, with the parser's `type` and, for a 413, the `limit`. */
interface BodyParserError {
  status?: unknown;
  type?: string;
  limit?: number;
  message?: string;
}

export const bodyErrors: ErrorRequestHandler = (err: BodyParserError | null | undefined, _req, res, next) => {
  const status = typeof err?.status === 'number' ? err.status : undefined;
  if (err?.type === 'entity.too.large') {
    res.status(413).json({ statusCode: 413, error: 'Payload Too Large', message: `request body exceeds ${err.limit} bytes` });
  } else if (status && status >= 400 && status < 500) {
    res.status(status).json({ statusCode: status, error: 'Bad Request', message: `malformed request body: ${err?.message}` });
  } else {
    next(err);
  }
};
