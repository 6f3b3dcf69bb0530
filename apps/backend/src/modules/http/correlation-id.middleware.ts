import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { AuthenticatedRequest } from '../auth/principal';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** X-Correlation-Id (or X-Request-Id) travels from the request into every job it enqueues; generated when absent. */
export function correlationId(req: Request & AuthenticatedRequest, res: Response, next: NextFunction): void {
  const given = req.header('x-correlation-id') ?? req.header('x-request-id');
  const id = given && SAFE_ID.test(given) ? given : randomUUID();
  req.correlationId = id;
  res.setHeader('X-Correlation-Id', id);
  if (req.header('x-request-id')) res.setHeader('X-Request-Id', id);
  next();
}
