import { aiHttpRule, emailHttpRule } from './job-data.types';

const config = (domains: string[]): Parameters<typeof emailHttpRule>[1] =>
  ({ email: { allowedRecipientDomains: domains } }) as unknown as Parameters<typeof emailHttpRule>[1];

describe('HTTP producer rules', () => {
  it('sends mail over the API to nobody when no recipient domain is configured', () => {
    expect(emailHttpRule({ templateId: 'case-assigned', to: 'a@example.com' }, config([]))).toEqual([
      { field: 'to', message: expect.stringContaining('EMAIL_ALLOWED_RECIPIENT_DOMAINS is not set') },
    ]);
  });

  it.each([
    ['an allowed domain', 'a@example.com', []],
    ['another case', 'A@Example.COM', []],
    ['a subdomain', 'a@mail.example.com', ['to']],
    ['a look-alike', 'a@example.com.evil.test', ['to']],
    ['an address with two @', 'a@example.com@evil.test', ['to']],
  ])('judges %s', (_name, to, fields) => {
    expect(emailHttpRule({ templateId: 'case-assigned', to }, config(['example.com'])).map((e) => e.field)).toEqual(fields);
  });

  it('leaves wrong types and unknown templates to the payload schema', () => {
    expect(emailHttpRule({ templateId: 'nope', to: 42 }, config(['example.com']))).toEqual([]);
    expect(emailHttpRule({ templateId: 'case-assigned', to: ['not-an-address', null] }, config(['example.com']))).toEqual([]);
  });

  it('refuses the digest template and caller content for stored entity types only', () => {
    expect(emailHttpRule({ templateId: 'dlq-digest', to: 'a@example.com' }, config(['example.com'])).map((e) => e.field)).toEqual([
      'templateId',
    ]);
    expect(aiHttpRule({ entityType: 'case', content: '' }).map((e) => e.field)).toEqual(['content']);
    expect(aiHttpRule({ entityType: 'case' })).toEqual([]);
    expect(aiHttpRule({ entityType: 'ticket', content: 'x' })).toEqual([]);
  });
});
