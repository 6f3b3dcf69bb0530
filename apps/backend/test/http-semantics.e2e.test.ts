import request from 'supertest';
import { startTestApp, TestApp } from './harness/app';
import { adminAuth, bearer, tokenFor } from './harness/http';

/** HTTP as clients and proxies expect it: preconditions, Location, 405, 415, WWW-Authenticate. */
describe('HTTP semantics', () => {
  let app: TestApp;
  const org = `org-http-${Date.now()}`;
  beforeAll(async () => {
    app = await startTestApp({ APP_ROLE: 'api' });
  });
  afterAll(() => app.close());
  const api = () => request(app.url!);
  const create = () => api().post('/api/v1/cases').set(bearer(org)).send({ title: 'Conflict of interest' });

  it('201 with Location and ETag on create; the Location serves the case with the same ETag', async () => {
    const res = await create();
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/api/v1/cases/${res.body.id}`);
    expect(res.headers.etag).toBe('"1"');
    const got = await api().get(res.headers.location).set(bearer(org));
    expect(got.status).toBe(200);
    expect(got.headers.etag).toBe('"1"');
  });

  it('If-Match: the stale of two updates from the same version is refused with 412, nothing written', async () => {
    const { body: created } = await create();
    const path = `/api/v1/cases/${created.id}`;
    const first = await api().patch(path).set(bearer(org)).set('If-Match', '"1"').send({ priority: 'high' });
    expect(first.status).toBe(200);
    expect(first.body.version).toBe(2);
    expect(first.headers.etag).toBe('"2"');
    const stale = await api().patch(path).set(bearer(org)).set('If-Match', '"1"').send({ priority: 'low' });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ statusCode: 412, error: 'Precondition Failed', currentVersion: 2 });
    const now = await api().get(path).set(bearer(org));
    expect(now.body).toMatchObject({ version: 2, priority: 'high' });
    // A list of tags, *, and no header at all (If-Match is optional) all go through.
    expect((await api().patch(path).set(bearer(org)).set('If-Match', '"7", "2"').send({ priority: 'low' })).status).toBe(200);
    expect((await api().patch(path).set(bearer(org)).set('If-Match', '*').send({ priority: 'medium' })).status).toBe(200);
    expect((await api().patch(path).set(bearer(org)).send({ priority: 'high' })).body.version).toBe(5);
    // Weak tags never match (strong comparison); a malformed header is a 400 naming it.
    expect((await api().patch(path).set(bearer(org)).set('If-Match', 'W/"5"').send({ priority: 'low' })).status).toBe(412);
    const bad = await api().patch(path).set(bearer(org)).set('If-Match', '5').send({ priority: 'low' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ field: 'If-Match', message: expect.any(String) }]);
  });

  it('If-Match: of two concurrent updates from version 1, exactly one wins', async () => {
    const { body: created } = await create();
    const path = `/api/v1/cases/${created.id}`;
    const answers = await Promise.all(
      ['high', 'low'].map((priority) => api().patch(path).set(bearer(org)).set('If-Match', '"1"').send({ priority })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 412]);
    expect((await api().get(path).set(bearer(org))).body.version).toBe(2);
  });

  it('If-Match on DELETE: 412 when stale, 204 when current; 404 for an unknown case either way', async () => {
    const { body: created } = await create();
    const path = `/api/v1/cases/${created.id}`;
    expect((await api().delete(path).set(bearer(org)).set('If-Match', '"9"')).status).toBe(412);
    expect((await api().get(path).set(bearer(org))).status).toBe(200);
    expect((await api().delete(path).set(bearer(org)).set('If-Match', '"1"')).status).toBe(204);
    expect((await api().delete(path).set(bearer(org)).set('If-Match', '"1"')).status).toBe(404);
  });

  it('405 with Allow for a wrong method on a known route; 404 stays for unknown paths', async () => {
    const put = await api().put('/api/v1/cases').set(bearer(org)).send({});
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe('GET, HEAD, POST');
    expect(put.body).toMatchObject({ statusCode: 405, error: 'Method Not Allowed' });
    const post = await api().post('/api/v1/cases/3f1c1b9e-0000-4000-8000-000000000000').set(bearer(org)).send({});
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('DELETE, GET, HEAD, PATCH');
    expect((await api().delete('/health/ready')).headers.allow).toBe('GET, HEAD');
    expect((await api().get('/api/v1/nothing-here').set(bearer(org))).status).toBe(404);
    // Bull Board routes itself: untouched.
    expect((await api().get('/admin/queues').set(adminAuth())).status).toBe(200);
  });

  it('415 for a body that is not JSON on JSON routes; JSON with a charset or a +json type passes', async () => {
    const form = await api().post('/api/v1/cases').set(bearer(org)).type('form').send('title=x');
    expect(form.status).toBe(415);
    expect(form.body).toMatchObject({
      statusCode: 415,
      error: 'Unsupported Media Type',
      message: expect.stringContaining('application/x-www-form-urlencoded'),
    });
    const text = await api().post('/api/v1/cases').set(bearer(org)).set('Content-Type', 'text/plain').send('{"title":"x"}');
    expect(text.status).toBe(415);
    const json = await api()
      .post('/api/v1/cases')
      .set(bearer(org))
      .set('Content-Type', 'application/json; charset=utf-8')
      .send(JSON.stringify({ title: 'charset' }));
    expect(json.status).toBe(201);
    const { body: created } = await create();
    const merge = await api()
      .patch(`/api/v1/cases/${created.id}`)
      .set(bearer(org))
      .set('Content-Type', 'application/merge-patch+json')
      .send(JSON.stringify({ priority: 'low' }));
    expect(merge.status).toBe(200);
    // A POST without a body is not judged by its (absent) type.
    expect((await api().post('/api/v1/search/reindex').set(bearer(org))).status).not.toBe(415);
  });

  it('401 carries WWW-Authenticate: Bearer, with error="invalid_token" for a bad token', async () => {
    const none = await api().get('/api/v1/cases');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="ethico"');
    const bad = await api()
      .get('/api/v1/cases')
      .set('Authorization', `Bearer ${tokenFor(org, 'u', 'another-secret-0123456789abcdef0123')}`);
    expect(bad.status).toBe(401);
    expect(bad.headers['www-authenticate']).toBe('Bearer realm="ethico", error="invalid_token"');
  });
});
