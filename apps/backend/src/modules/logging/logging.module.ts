import { randomUUID } from 'node:crypto';
import { Global, Module, RequestMethod } from '@nestjs/common';
import type { Request, Response } from 'express';
import { LoggerModule, Params } from 'nestjs-pino';
import pino from 'pino';
import type { AppConfig } from '../../config/configuration';
import { APP_CONFIG } from '../../config/app-config.module';
import type { AdminRequest } from '../auth/admin-auth';
import type { AuthenticatedRequest } from '../auth/principal';
import { scrubLogLine } from './redaction';

type Req = Request & AuthenticatedRequest & AdminRequest;

const QUIET_PATHS = /^\/(metrics|health)(\/|\?|$)/;

/** Longest path logged: a request line is attacker-controlled, and every logged byte is scrubbed. */
const MAX_LOGGED_PATH = 256;
const MAX_LOGGED_PARAMS = 20;
/** Query parameters whose values are paging or enumerations, logged as they are when short and plain. */
const PLAIN_PARAMS = new Set(['limit', 'offset', 'page', 'status', 'state', 'entitytype', 'reveal', 'sort', 'order']);
const PLAIN_VALUE = /^[A-Za-z0-9_.-]{1,32}$/;

/**
 * What a request line logs of its URL: the path (truncated), and the names of its query parameters
 * with their values redacted (search text, filter values and tokens people put in URLs), except
 * short paging and enumeration values.
 */
function loggedUrl(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const shownPath = path.length > MAX_LOGGED_PATH ? `${path.slice(0, MAX_LOGGED_PATH)}…` : path;
  if (q < 0) return shownPath;
  const params = url
    .slice(q + 1, q + 1 + 4_096)
    .split('&')
    .filter(Boolean);
  const shown = params.slice(0, MAX_LOGGED_PARAMS).map((pair) => {
    const eq = pair.indexOf('=');
    const name = (eq < 0 ? pair : pair.slice(0, eq)).slice(0, 40);
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    if (eq < 0) return name;
    return `${name}=${PLAIN_PARAMS.has(name.toLowerCase()) && PLAIN_VALUE.test(value) ? value : '[redacted]'}`;
  });
  if (params.length > MAX_LOGGED_PARAMS || url.length - q - 1 > 4_096) shown.push('…');
  return `${shownPath}?${shown.join('&')}`;
}

function prettyAvailable(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

function pinoParams(config: AppConfig): Params {
  const pretty = config.operations.logPretty && !config.operations.logFile && prettyAvailable();
  const options: pino.LoggerOptions & Record<string, unknown> = {
    level: config.logLevel,
    base: { pid: process.pid, role: config.role },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["proxy-authorization"]',
        'res.headers["set-cookie"]',
        '*.password',
      ],
      censor: '[redacted]',
    },
    // Last line of defence, on the serialized text: confidential fields at any depth and email addresses.
    hooks: { streamWrite: scrubLogLine },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
    // pino-http: the request id is the correlation id, bound to every line logged while handling the request.
    genReqId: (req: Req) => req.correlationId ?? randomUUID(),
    customAttributeKeys: { reqId: 'correlationId' },
    quietReqLogger: true,
    customProps: (req: Req) => ({ organizationId: req.principal?.organizationId, admin: req.admin?.name }),
    // 503 is load shedding (Redis or PostgreSQL away), answered on purpose: warn, not error.
    customLogLevel: (_req: Req, res: Response, err?: Error) =>
      err || (res.statusCode >= 500 && res.statusCode !== 503) ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    // pino-http invents an Error (with a stack) for a 5xx answered without one; the status says it all.
    customErrorObject: (_req: Req, _res: Response, err: Error, val: Record<string, unknown>) =>
      err.message.startsWith('failed with status code') ? { ...val, err: undefined } : val,
    autoLogging: { ignore: (req: Req) => QUIET_PATHS.test(req.originalUrl ?? req.url) },
    serializers: {
      req: (req: { method: string; url: string; remoteAddress?: string }) => ({
        method: req.method,
        url: loggedUrl(req.url),
        remoteAddress: req.remoteAddress,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  };
  const destination = config.operations.logFile
    ? pino.destination({ dest: config.operations.logFile, sync: true, mkdir: true })
    : undefined;
  return {
    pinoHttp: destination ? [options, destination] : options,
    // Every route, including those outside the API prefix (admin, metrics, health).
    forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
  };
}

/**
 * Structured logs through pino (nestjs-pino): JSON lines, pretty in development when pino-pretty
 * is installed. Request lines carry the request's correlation id; lines about a job carry its
 * queue, job id, organization and correlation id (jobLogFields).
 */
@Global()
@Module({
  imports: [LoggerModule.forRootAsync({ inject: [APP_CONFIG], useFactory: pinoParams })],
})
export class LoggingModule {}
