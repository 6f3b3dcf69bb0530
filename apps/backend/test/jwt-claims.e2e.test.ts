import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sign, SignOptions } from 'jsonwebtoken';
import request from 'supertest';
import { startTestApp, TestApp } from './harness/app';
import { TEST_JWT_SECRET } from './harness/config';

const ISSUER = 'https://id.ethico.example';
const AUDIENCE = 'ethico-api';

/** Tokens are crafted here, claim by claim: each rule of the guard gets a token that breaks only it. */
describe('API token claims', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ APP_ROLE: 'api', JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, JWT_MAX_LIFETIME_S: '3600' });
  });
  afterAll(() => app.close());

  const now = () => Math.floor(Date.now() / 1000);
  const craft = (claims: Record<string, unknown>, opts: SignOptions = {}) =>
    sign({ sub: 'user-1', organizationId: 'org-jwt', ...claims }, TEST_JWT_SECRET, { algorithm: 'HS256', ...opts });
  /** Signed by hand: jsonwebtoken's sign refuses a non-numeric exp. */
  const raw = (claims: Record<string, unknown>) => {
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: 'user-1', organizationId: 'org-jwt', ...claims })}`;
    return `${body}.${createHmac('sha256', TEST_JWT_SECRET).update(body).digest('base64url')}`;
  };
  const good = { iss: ISSUER, aud: AUDIENCE };
  const email = {
    templateId: 'case-assigned',
    to: 'a@example.com',
    context: { caseNumber: 'C-1', caseTitle: 'T', assigneeName: 'Ana', caseUrl: 'https://app.example.com/cases/1' },
  };
  const call = (token: string) => request(app.url!).post('/api/v1/jobs/email').set('Authorization', `Bearer ${token}`).send(email);

  it('accepts a token with exp within the maximum lifetime, the issuer and the audience', async () => {
    expect((await call(craft({ ...good, exp: now() + 600 }))).status).toBe(202);
    expect((await call(craft({ ...good, aud: ['other', AUDIENCE], iat: now(), exp: now() + 3600 }))).status).toBe(202);
  });

  it.each([
    ['without exp', () => craft(good), /exp/],
    ['expired', () => craft({ ...good, exp: now() - 10 }), /expired/],
    ['with exp beyond the maximum lifetime', () => craft({ ...good, exp: now() + 7200 }), /lifetime/],
    ['issued with a lifetime beyond the maximum', () => craft({ ...good, iat: now() - 3000, exp: now() + 1200 }), /lifetime/],
    ['without iss', () => craft({ aud: AUDIENCE, exp: now() + 600 }), /issuer/],
    ['with another iss', () => craft({ ...good, iss: 'https://evil.example', exp: now() + 600 }), /issuer/],
    ['without aud', () => craft({ iss: ISSUER, exp: now() + 600 }), /audience/],
    ['with another aud', () => craft({ ...good, aud: 'other-api', exp: now() + 600 }), /audience/],
    ['with a non-numeric exp', () => raw({ ...good, exp: 'tomorrow' }), /exp/],
  ])('answers 401 for a token %s', async (_name, token, reason) => {
    const res = await call(token());
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(reason);
  });

  it('accepts what `npm run token` mints with the same configuration', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['-r', '@swc-node/register', join(__dirname, '../src/dev/dev-token.ts'), 'org-jwt'],
      {
        cwd: join(__dirname, '..'),
        env: {
          PATH: process.env.PATH,
          JWT_SECRET: TEST_JWT_SECRET,
          JWT_ISSUER: ISSUER,
          JWT_AUDIENCE: AUDIENCE,
          JWT_MAX_LIFETIME_S: '3600',
        },
      },
    );
    expect((await call(stdout.trim())).status).toBe(202);
  });
});
