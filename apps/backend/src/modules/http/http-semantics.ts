import type { RequestHandler } from 'express';
import { METHODS } from 'node:http';

/** What this middleware needs of an Express 5 router layer: its route's methods, and path matching. */
export interface RouteLayer {
  route?: { methods: Record<string, boolean> };
  match(path: string): unknown;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

const hasBody = (headers: Record<string, string | string[] | undefined>): boolean =>
  headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');

/** application/json, or a structured-syntax JSON type (application/merge-patch+json, application/problem+json). */
export const isJsonType = (contentType: string): boolean => /^application\/([\w.-]+\+)?json\s*(;|$)/i.test(contentType.trim());

/**
 * 415 for a body that is not JSON on the JSON routes (those under `prefixes`): without it, a form
 * or text body parses to nothing and the client gets field errors for fields it did send.
 */
export function jsonOnly(prefixes: string[]): RequestHandler {
  return (req, res, next) => {
    if (!BODY_METHODS.has(req.method) || !prefixes.some((p) => req.path.startsWith(p)) || !hasBody(req.headers)) return next();
    const type = req.headers['content-type'];
    if (type !== undefined && isJsonType(type)) return next();
    if (req.method === 'PATCH') res.setHeader('Accept-Patch', 'application/json');
    res.status(415).json({
      statusCode: 415,
      error: 'Unsupported Media Type',
      message: `request body must be application/json${type ? `, not ${type.split(';')[0].trim()}` : ' (Content-Type is missing)'}`,
    });
  };
}

/**
 * 405 with Allow for a known path asked with a method it does not have (RFC 9110 §15.5.6), instead
 * of the router's 404. The routes are read from the router when a request comes, so every
 * controller registered at start is there. Paths under `skip` (a mounted sub-application such as
 * Bull Board, which routes on its own) are left alone.
 */
export function methodNotAllowed(routes: () => RouteLayer[], skip: string[]): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'OPTIONS' || skip.some((p) => req.path === p || req.path.startsWith(`${p}/`))) return next();
    const allowed = new Set<string>();
    for (const layer of routes()) {
      if (!layer.route || !layer.match(req.path)) continue;
      const methods = Object.keys(layer.route.methods).filter((m) => layer.route!.methods[m]);
      // Nest mounts middleware (correlation, auth for the dashboard) as routes for every method: not an answer.
      if (methods.includes('_all') || methods.length >= METHODS.length) continue;
      methods.forEach((m) => allowed.add(m.toUpperCase()));
    }
    if (allowed.size === 0 || allowed.has(req.method) || (req.method === 'HEAD' && allowed.has('GET'))) return next();
    if (allowed.has('GET')) allowed.add('HEAD');
    const allow = [...allowed].sort().join(', ');
    res.setHeader('Allow', allow);
    res
      .status(405)
      .json({ statusCode: 405, error: 'Method Not Allowed', message: `${req.method} is not allowed on ${req.path}; allowed: ${allow}` });
  };
}
