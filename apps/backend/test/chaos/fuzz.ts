/** A small seeded generator of hostile HTTP requests: reproducible, so a failure can be replayed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);

function hostileValues(big: string): unknown[] {
  return [
    null,
    true,
    -1,
    0,
    1e308,
    -1e308,
    // eslint-disable-next-line no-loss-of-precision -- past Number.MAX_SAFE_INTEGER on purpose
    9007199254740993,
    '',
    ' ',
    big,
    '\u0000',
    '\ud800',
    '😀'.repeat(100),
    "' OR 1=1 --",
    '"; DROP TABLE cases; --',
    '<script>alert(1)</script>',
    '../../etc/passwd',
    '${jndi:ldap://x}',
    [],
    [1, 2, 3],
    {},
    { __proto__: { admin: true } },
    { constructor: { prototype: { polluted: true } } },
    { $gt: '' },
    'a'.repeat(70_000),
  ];
}

export function generator(seed: number, tokens: { valid: string; otherTenant: string }) {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  // A lone surrogate cannot be encoded: send a malformed escape instead, which servers must survive too.
  const enc = (v: unknown) => {
    try {
      return encodeURIComponent(String(v));
    } catch {
      return '%E0%A4%A';
    }
  };
  const big = 'x'.repeat(5_000);
  const values = hostileValues(big);
  const ids = [
    '1',
    '0',
    '-1',
    'abc',
    '00000000-0000-0000-0000-000000000000',
    "1' OR '1'='1",
    '%00',
    '..%2f..%2f',
    'a'.repeat(500),
    '9'.repeat(40),
    'replay-email-1',
    'k-deadbeef',
  ];
  const queues = ['email', 'indexing', 'ai-processing', 'dead-letter', 'nope', '__proto__', '%2e%2e'];
  const routes: (() => [string, string])[] = [
    () => ['POST', `/api/v1/jobs/${pick(queues)}`],
    () => ['GET', `/api/v1/jobs/${pick(queues)}/${enc(pick(ids))}`],
    () => [pick(['POST', 'GET']), '/api/v1/cases'],
    () => [pick(['GET', 'PATCH', 'DELETE']), `/api/v1/cases/${enc(pick(ids))}`],
    () => ['GET', `/api/v1/search?q=${enc(String(pick(values)))}&limit=${enc(String(pick(values)))}&offset=${enc(String(pick(values)))}`],
    () => ['GET', `/api/v1/ai/results?entityType=${enc(String(pick(values)))}&entityId=${enc(pick(ids))}`],
    () => ['GET', `/admin/api/dead-letter?queue=${enc(String(pick(values)))}&limit=${enc(String(pick(values)))}&offset=-5`],
    () => [pick(['GET', 'POST']), `/admin/api/dead-letter/${enc(pick(ids))}${pick(['', '/replay', '/dismiss'])}`],
    () => ['POST', `/admin/api/dead-letter/${pick(['replay', 'dismiss'])}`],
    () => ['GET', `/admin/queues/api/${pick(['queues', 'queues/email/1', 'redis/stats', '../../etc'])}`],
    () => [
      pick(['PUT', 'POST', 'DELETE']),
      `/admin/queues/api/queues/${pick(queues)}/${pick(['retry/failed', 'clean/completed', 'pause', 'empty'])}`,
    ],
    () => ['GET', `/admin/api/ai/usage?organizationId=${enc(String(pick(values)))}&from=${enc(String(pick(values)))}`],
    () => [
      pick(['GET', 'POST', 'OPTIONS', 'TRACE', 'PATCH']),
      pick(['/health', '/health/ready', '/metrics', '/', '/api/v1', '/admin/dead-letter', '/nope']),
    ],
  ];
  const auths = [
    () => `Bearer ${tokens.valid}`,
    () => `Bearer ${tokens.otherTenant}`,
    () => 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4Iiwib3JnYW5pemF0aW9uSWQiOiJvIn0.',
    () => `Bearer ${tokens.valid.slice(0, -3)}abc`,
    () => `Basic ${Buffer.from('ops:test-admin-password-0123').toString('base64')}`,
    () => `Basic ${Buffer.from('ops:wrong').toString('base64')}`,
    () => 'Basic !!!not-base64',
    () => 'Bearer',
    () => '',
  ];
  const bodies: (() => string | undefined)[] = [
    () => undefined,
    () => '{',
    () => 'not json at all',
    () => JSON.stringify(pick(values)),
    () => JSON.stringify({ templateId: pick(values), to: pick(values), context: pick(values), priority: pick(values) }),
    () => JSON.stringify({ operation: pick(['create', 'reindex', 'nope']), entityType: pick(values), entityId: pick(values) }),
    () =>
      JSON.stringify({
        type: pick(['translate', 'categorize', 'x']),
        entityType: 'case',
        entityId: pick(ids),
        targetLanguage: pick(values),
        content: pick(values),
      }),
    () => JSON.stringify({ title: pick(values), description: pick(values), status: pick(values), assigneeEmail: pick(values) }),
    () => deep(pick([10, 1_000, 5_000])),
    () => `{"a":${'1'.repeat(400)}}`,
    () => '{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"x":1}}}',
    () => Buffer.from([0xff, 0xfe, 0x00, 0x01]).toString('latin1'),
    () => JSON.stringify({ organizationId: 'another-tenant', templateId: 'case-assigned' }),
  ];
  const contentTypes = [
    'application/json',
    'application/json; charset=utf-16',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    '',
  ];

  return (): FuzzRequest => {
    const [method, path] = pick(routes)();
    const headers: Record<string, string> = {};
    const auth = pick(auths)();
    if (auth) headers.authorization = auth;
    const ct = pick(contentTypes);
    if (ct) headers['content-type'] = ct;
    if (rnd() < 0.2) headers['x-correlation-id'] = pick(['ok-1', '\u00ff'.repeat(10), 'x'.repeat(300), '../../']);
    if (rnd() < 0.1) headers['idempotency-key'] = pick(['', ' ', 'k'.repeat(500), 'key-1']);
    const body = method === 'GET' || method === 'OPTIONS' || method === 'TRACE' ? undefined : pick(bodies)();
    return { method, path, headers, body };
  };
}
