import request from 'supertest';
import { startTestApp, TestApp } from './harness/app';
import { adminAuth } from './harness/http';

describe('Bull Board at /admin/queues', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ APP_ROLE: 'api' });
  });
  afterAll(() => app.close());

  it.each([
    ['the page', '/admin/queues'],
    ['the board API', '/admin/queues/api/queues'],
    ['a static asset', '/admin/queues/static/favicon-32x32.png'],
  ])('refuses %s without or with wrong credentials', async (_label, path) => {
    const none = await request(app.url!).get(path);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Basic /);
    expect((await request(app.url!).get(path).set(adminAuth('ops', 'not-the-password'))).status).toBe(401);
    expect((await request(app.url!).get(path).set(adminAuth('intruder', 'test-admin-password-0123'))).status).toBe(401);
  });

  it('serves the board with the credentials, outside the API prefix', async () => {
    const page = await request(app.url!).get('/admin/queues').set(adminAuth());
    expect(page.status).toBe(200);
    expect(page.text).toContain('<html');
    expect((await request(app.url!).get('/api/v1/admin/queues').set(adminAuth())).status).toBe(404);
  });

  it('lists all five queues, the dead-letter queue read-only', async () => {
    const res = await request(app.url!).get('/admin/queues/api/queues').set(adminAuth());
    expect(res.status).toBe(200);
    const queues = res.body.queues as { name: string; displayName?: string; readOnlyMode: boolean }[];
    expect(queues.map((q) => q.name).sort()).toEqual(['ai-processing', 'dead-letter', 'email', 'indexing', 'reports', 'scheduled']);
    expect(queues.find((q) => q.name === 'dead-letter')!.readOnlyMode).toBe(true);
    expect(queues.find((q) => q.name === 'email')!.readOnlyMode).toBe(false);
  });

  it('answers GET /health outside the prefix', async () => {
    expect((await request(app.url!).get('/health')).body).toEqual({ status: 'ok' });
  });
});
