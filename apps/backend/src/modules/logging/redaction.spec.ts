import { redactPayload, scrubLogLine } from './redaction';

describe('redaction', () => {
  it('redacts free-text fields whole and masks email addresses anywhere', () => {
    const out = redactPayload({
      organizationId: 'org-1',
      type: 'generate-summary',
      content: 'The CFO falsified invoices',
      to: ['alice@example.com', 'x'],
      meta: { note: 'secret note', owner: 'Bob <bob@example.org>' },
      context: { name: 'Alice' },
    });
    expect(out).toEqual({
      organizationId: 'org-1',
      type: 'generate-summary',
      content: '[redacted: 26 characters]',
      to: ['[email]', 'x'],
      meta: { note: '[redacted: 11 characters]', owner: 'Bob <[email]>' },
      context: '[redacted: 1 fields]',
    });
  });

  it.each([
    ['a confidential field at any depth', '{"a":{"content":"whistle \\"quoted\\" text"},"b":1}', '{"a":{"content":"[redacted]"},"b":1}'],
    ['a password', '{"password":"hunter2"}', '{"password":"[redacted]"}'],
    ['an authorization header', '{"headers":{"authorization":"Basic b3BzOnB3"}}', '{"headers":{"authorization":"[redacted]"}}'],
    ['an email in a message', '{"msg":"550 mailbox carol@example.net unavailable"}', '{"msg":"550 mailbox [email] unavailable"}'],
    ['a URL-encoded email', '{"url":"/x?to=carol%40example.net&a=1"}', '{"url":"/x?to=[email]&a=1"}'],
    ["the logger's own context field", '{"context":"DeadLetter","msg":"x"}', '{"context":"DeadLetter","msg":"x"}'],
  ])('scrubs %s from a log line', (_name, line, expected) => {
    expect(scrubLogLine(line)).toBe(expected);
  });
});
