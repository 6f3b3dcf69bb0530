import request from 'supertest';
import { freePort } from '../src/dev/embedded/processes';
import { startTestApp, TestApp } from './harness/app';
import { bearer } from './harness/http';

/** An API whose PostgreSQL cannot be reached answers 503 with Retry-After, never 500. */
describe('when PostgreSQL is unreachable', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ APP_ROLE: 'api', DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/nowhere` });
  });
  afterAll(() => app.close());

  it.each([
    ['GET', '/api/v1/cases'],
    ['POST', '/api/v1/cases'],
    ['GET', '/api/v1/search?q=fraud'],
  ])('%s %s answers 503', async (method, path) => {
    const req = method === 'GET' ? request(app.url!).get(path) : request(app.url!).post(path).send({ title: 'A case' });
    const res = await req.set(bearer('org-db'));
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body.message).toMatch(/database is unavailable/);
  });
});
