import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { isDatabaseUnavailable } from '../modules/database/database-errors';
import { QueueUnavailableError, TenantBackpressureError } from '../modules/jobs/jobs.errors';
import { JobValidationError } from '../modules/jobs/types/index';

/**
 * Turns domain errors into HTTP answers: invalid payloads are 400 with field-level messages,
 * a tenant over its pending cap 429, Redis and PostgreSQL outages 503. Anything unexpected is a 500 without internals, and is logged.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    if (exception instanceof JobValidationError) {
      res.status(400).json({ statusCode: 400, error: 'Bad Request', message: 'Invalid request', errors: exception.errors });
      return;
    }
    if (exception instanceof TenantBackpressureError) {
      res.setHeader('Retry-After', String(exception.retryAfterSeconds));
      res.status(429).json({
        statusCode: 429,
        error: 'Too Many Requests',
        message: exception.message,
        queue: exception.queue,
        pending: exception.pending,
        limit: exception.limit,
      });
      return;
    }
    if (exception instanceof QueueUnavailableError) {
      res.setHeader('Retry-After', '5');
      res.status(503).json({ statusCode: 503, error: 'Service Unavailable', message: exception.message });
      return;
    }
    if (isDatabaseUnavailable(exception)) {
      res.setHeader('Retry-After', '5');
      res.status(503).json({ statusCode: 503, error: 'Service Unavailable', message: 'the database is unavailable; try again shortly' });
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      res.status(status).json(typeof body === 'string' ? { statusCode: status, message: body } : body);
      return;
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    res.status(HttpStatus.INTERNAL_SERVER_ERROR).json({ statusCode: 500, error: 'Internal Server Error', message: 'unexpected error' });
  }
}
