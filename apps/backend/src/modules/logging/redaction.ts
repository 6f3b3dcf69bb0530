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

const REDACTED_EMAIL = '[email]';

/** RFC 5321's limits: a local part of at most 64 characters, a domain of at most 255. */
const MAX_LOCAL = 64;
const MAX_DOMAIN = 255;
const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isDigit = (c: number) => c >= 48 && c <= 57;
/** [A-Za-z0-9.-] */
const isDomainChar = (c: number) => isLetter(c) || isDigit(c) || c === 46 || c === 45;
/** [A-Za-z0-9._%+-] */
const isLocalChar = (c: number) => isDomainChar(c) || c === 95 || c === 37 || c === 43;

/** The separator at i: '@' or its URL encoding '%40' (a logged query string); its length, or 0. */
function separatorAt(s: string, i: number): number {
  if (s.charCodeAt(i) === 64) return 1;
  return s.charCodeAt(i) === 37 && s.charCodeAt(i + 1) === 52 && s.charCodeAt(i + 2) === 48 ? 3 : 0;
}

/**
 * End of `domain.tld` starting at `from` (exclusive), or -1: the longest run of domain characters
 * (at most MAX_DOMAIN) whose last dot is preceded by something and followed by two letters or more.
 */
function domainEnd(s: string, from: number): number {
  let end = from;
  while (end < s.length && end - from < MAX_DOMAIN && isDomainChar(s.charCodeAt(end))) end++;
  for (let dot = end - 3; dot > from; dot--) {
    if (s.charCodeAt(dot) !== 46) continue;
    if (!isLetter(s.charCodeAt(dot + 1)) || !isLetter(s.charCodeAt(dot + 2))) continue;
    let tld = dot + 3;
    while (tld < end && isLetter(s.charCodeAt(tld))) tld++;
    return tld;
  }
  return -1;
}

/**
 * Pragmatic, not RFC 5322: anything shaped like local@domain.tld, also URL-encoded, masked. A
 * scanner rather than a regular expression: a regex's retries at every position of a long run of
 * address characters without an '@' cost quadratic time, and log lines come from unauthenticated
 * request URLs. Here each separator looks back at most MAX_LOCAL characters and forward at most
 * MAX_DOMAIN (the forward runs stop at the next separator, so they never overlap): linear time.
 */
export function scrubEmails(s: string): string {
  if (s.indexOf('@') < 0 && s.indexOf('%40') < 0) return s;
  let out = '';
  let copied = 0;
  for (let i = 0; i < s.length; i++) {
    const sep = separatorAt(s, i);
    if (!sep) continue;
    let start = i;
    while (start > copied && i - start < MAX_LOCAL && isLocalChar(s.charCodeAt(start - 1))) start--;
    const end = start < i ? domainEnd(s, i + sep) : -1;
    if (end < 0) continue;
    out += s.slice(copied, start) + REDACTED_EMAIL;
    copied = end;
    i = end - 1;
  }
  return copied === 0 ? s : out + s.slice(copied);
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
  return scrubEmails(line.replace(LOG_FIELD, '"$1":"[redacted]"'));
}
