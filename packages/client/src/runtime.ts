/**
 * The transport of the generated client: plain fetch (Node 18+, browsers), no dependencies. A non-2xx
 * answer is an ApiError carrying the status and the API's JSON error body (message, field errors).
 */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  errors?: { field: string; message: string }[];
  currentVersion?: number;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody | undefined,
    readonly headers: Headers,
  ) {
    super(`HTTP ${status}: ${body?.message ?? 'no error body'}`);
    this.name = 'ApiError';
  }
}

export interface Request {
  method: string;
  path: string;
  expect: number;
  body?: unknown;
  query?: Record<string, unknown>;
  headers?: Record<string, string | undefined>;
}

export type Call = <T>(request: Request) => Promise<T>;

export interface ClientOptions {
  /** e.g. http://localhost:3000 */
  baseUrl: string;
  /** The bearer token, or a function returning one (refreshed per call). */
  token: string | (() => string | Promise<string>);
  fetch?: typeof fetch;
}

export function transport(options: ClientOptions): Call {
  const doFetch = options.fetch ?? fetch;
  return async <T>(request: Request): Promise<T> => {
    const url = new URL(request.path, options.baseUrl);
    for (const [k, v] of Object.entries(request.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const token = typeof options.token === 'function' ? await options.token() : options.token;
    const headers: Record<string, string> = { Accept: 'application/json', Authorization: `Bearer ${token}` };
    for (const [k, v] of Object.entries(request.headers ?? {})) if (v !== undefined) headers[k] = v;
    if (request.body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await doFetch(url, {
      method: request.method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
    });
    const text = await res.text();
    const parsed = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok) throw new ApiError(res.status, parsed as ErrorBody | undefined, res.headers);
    return parsed as T;
  };
}
