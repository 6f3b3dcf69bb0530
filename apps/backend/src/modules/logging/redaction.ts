/**
 * What counts as confidential in a payload or a log line, in one place: the log pipeline, the
 * dead-letter console and Bull Board's viewer mode all redact with these rules.
 */

/** Fields whose values are free text or secrets: redacted whole, whatever they hold. */
const CONFIDENTIAL_KEYS = [
  'content',
  'body',
  'text',
  'html',
  'subject',
  'message',
  'description',
  'details',
  'notes',
  'note',
  'comment',
  'comments',
  'summary',
  'narrative',
  'allegation',
  'title',
  'password',
  'passwd',
  'secret',
  'token',
  'accessToken',
  'refreshToken',
  'apiKey',
  'authorization',
  'cookie',
  // Template variables and indexed documents are arbitrary records written by users.
  'context',
  'data',
] as const;

const confidential = new Set(CONFIDENTIAL_KEYS.map((k) => k.toLowerCase()));
const isConfidentialKey = (key: string) => confidential.has(key.toLowerCase());

/** Pragmatic, not RFC 5322: anything shaped like local@domain.tld, also URL-encoded (a logged query string). */
const EMAIL_PATTERN = /[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9.-]+\.[A-Za-z]{2,}/gi;
const REDACTED_EMAIL = '[email]';

export function scrubEmails(s: string): string {
  return s.replace(EMAIL_PATTERN, REDACTED_EMAIL);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `[redacted: ${value.length} characters]`;
  if (Array.isArray(value)) return `[redacted: ${value.length} items]`;
  if (value && typeof value === 'object') return `[redacted: ${Object.keys(value).length} fields]`;
  return '[redacted]';
}

/** A copy with confidential fields replaced by a description of their size, and email addresses masked. */
export function redactPayload(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubEmails(value);
  if (depth > 20 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactPayload(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isConfidentialKey(k) && v !== null && v !== undefined ? describe(v) : redactPayload(v, depth + 1);
  }
  return out;
}

/**
 * For serialized log lines: string values of confidential keys, at any depth, and email
 * addresses anywhere. Works on the JSON text, so nothing a serializer produced slips past it.
 * `context` is left alone here: it is the logger's own field (the Nest class name).
 */
const LOG_KEYS = CONFIDENTIAL_KEYS.filter((k) => k !== 'context' && k !== 'data' && k !== 'message');
const LOG_FIELD = new RegExp(`"(${LOG_KEYS.join('|')})":"(?:[^"\\\\]|\\\\.)*"`, 'gi');

export function scrubLogLine(line: string): string {
  return line.replace(LOG_FIELD, '"$1":"[redacted]"').replace(EMAIL_PATTERN, REDACTED_EMAIL);
}
