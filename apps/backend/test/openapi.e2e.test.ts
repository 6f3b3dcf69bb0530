import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import request from 'supertest';
import { ApiError, createClient } from '../../../packages/client/src';
import { openApiDocument } from '../src/roles/openapi/openapi-document';
import { backendVersion } from '../src/roles/openapi/docs.controller';
import { startTestApp, TestApp } from './harness/app';
import { tokenFor } from './harness/http';

/** The OpenAPI document: committed and current, served with a UI, and a generated client that works. */
describe('OpenAPI document and client', () => {
  let app: TestApp;
  const org = `org-openapi-${Date.now()}`;
  beforeAll(async () => {
    app = await startTestApp({ APP_ROLE: 'api' });
  });
  afterAll(() => app.close());

  it('docs/openapi.json and packages/client/src/generated.ts are what the schemas generate', () => {
    // In a child process: prettier (which formats both) loads itself with import(), which jest's VM refuses.
    const check = spawnSync(process.execPath, ['-r', '@swc-node/register', join('scripts', 'generate-openapi.ts'), '--check'], {
      cwd: join(__dirname, '..'),
      encoding: 'utf8',
    });
    expect({ status: check.status, stderr: check.stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('every $ref resolves, every operation has an id, a success answer and the error answers', () => {
    type Op = { operationId?: string; responses: Record<string, { content: Record<string, { schema: unknown }> }> };
    const doc = openApiDocument({ maxQueryLength: 256, version: '0' }) as {
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
    };
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of refs) {
      const name = /#\/components\/schemas\/([^"]+)/.exec(ref)![1];
      expect(doc.components.schemas[name]).toBeDefined();
    }
    const ops = Object.values(doc.paths).flatMap((item) => Object.entries(item).filter(([m]) => m !== 'parameters')) as [string, Op][];
    expect(ops.length).toBeGreaterThanOrEqual(12);
    for (const [, op] of ops) {
      expect(op.operationId).toEqual(expect.any(String));
      expect(Object.keys(op.responses).some((c) => c.startsWith('2'))).toBe(true);
      expect(op.responses[401].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ErrorBody' });
    }
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('serves the document at /api/docs/openapi.json and Swagger UI at /api/docs, without a token', async () => {
    const json = await request(app.url!).get('/api/docs/openapi.json');
    expect(json.status).toBe(200);
    expect(json.body).toEqual(openApiDocument({ maxQueryLength: app.config.search.maxQueryLength, version: backendVersion() }));
    const ui = await request(app.url!).get('/api/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('/api/docs/assets/swagger-ui-bundle.js');
    const bundle = await request(app.url!).get('/api/docs/assets/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect(bundle.text.length).toBeGreaterThan(100_000);
    expect((await request(app.url!).get('/api/docs/init.js')).text).toContain("url: '/api/docs/openapi.json'");
  });

  it('the generated client creates, reads and updates a case, and a stale If-Match is an ApiError 412', async () => {
    const client = createClient({ baseUrl: app.url!, token: tokenFor(org) });
    const created = await client.createCase({ title: 'Gifts from a supplier', priority: 'high' });
    expect(created).toMatchObject({ title: 'Gifts from a supplier', priority: 'high', version: 1 });
    const read = await client.getCase({ id: created.id });
    expect(read).toMatchObject({ id: created.id, ai: { items: expect.any(Array) } });
    const page = await client.listCases({ limit: 5 });
    expect(page.items.map((c) => c.id)).toContain(created.id);
    const updated = await client.updateCase({ id: created.id }, { status: 'in_progress' }, { 'If-Match': '"1"' });
    expect(updated.version).toBe(2);
    const stale = await client.updateCase({ id: created.id }, { status: 'closed' }, { 'If-Match': '"1"' }).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(ApiError);
    expect((stale as ApiError).status).toBe(412);
    expect((stale as ApiError).body).toMatchObject({ currentVersion: 2 });
    const bad = (await client.createCase({ title: '' }).catch((e: unknown) => e)) as ApiError;
    expect(bad.status).toBe(400);
    expect(bad.body?.errors?.[0].field).toBe('title');
    await client.deleteCase({ id: created.id }, { 'If-Match': '"2"' });
    const job = await client.enqueueEmail({
      templateId: 'case-assigned',
      to: 'a@example.com',
      context: { caseNumber: 'C-1', caseTitle: 't', assigneeName: 'A', caseUrl: 'https://x.example/1' },
    });
    expect(await client.getJob({ queue: 'email', id: job.id })).toMatchObject({ id: job.id, queue: 'email', name: 'send-email' });
  });
});
