import request from 'supertest';
import { startTestApp, TestApp } from './harness/app';
import { bearer } from './harness/http';
import { eventually } from './harness/wait';

interface Hit {
  entityType: string;
  entityId: string;
  title: string;
  snippet: string;
  score: number;
}

describe('search over HTTP (workers running)', () => {
  let app: TestApp;
  const run = Date.now().toString(36);
  const org = (name: string) => `org-${name}-${run}`;

  beforeAll(async () => {
    app = await startTestApp({ APP_ROLE: 'all' });
  });
  afterAll(() => app.close());

  const api = () => request(app.url!);
  const createCase = async (orgId: string, body: object): Promise<{ id: string }> => {
    const res = await api().post('/api/v1/cases').set(bearer(orgId)).send(body);
    expect(res.status).toBe(201);
    return res.body;
  };
  const search = async (orgId: string, q: string, extra: Record<string, string | number> = {}) => {
    const res = await api()
      .get('/api/v1/search')
      .query({ q, ...extra })
      .set(bearer(orgId));
    expect(res.status).toBe(200);
    return res.body as { total: number; hits: Hit[]; facets: Record<string, number> };
  };
  const ids = (r: { hits: Hit[] }) => r.hits.map((h) => h.entityId).sort();

  it('finds a new case by a word of its description within 5 s, follows a title change, and forgets it once deleted', async () => {
    const tenant = org('flow');
    const c = await createCase(tenant, {
      title: 'Vendor kickbacks',
      description: 'The procurement lead accepted gratuities from a supplier',
    });
    const found = await eventually(async () => (await search(tenant, 'gratuities')).total === 1 && search(tenant, 'gratuities'), 5_000);
    expect(found.hits).toEqual([
      {
        entityType: 'case',
        entityId: c.id,
        title: 'Vendor kickbacks',
        snippet: expect.stringContaining('<mark>gratuities</mark>'),
        score: expect.any(Number),
      },
    ]);
    expect(found.facets).toEqual({ case: 1 });

    await api().patch(`/api/v1/cases/${c.id}`).set(bearer(tenant)).send({ title: 'Supplier bribery' }).expect(200);
    await eventually(async () => (await search(tenant, 'bribery')).total === 1, 5_000);
    expect((await search(tenant, 'kickbacks')).total).toBe(0);
    expect((await search(tenant, 'bribery')).hits[0].title).toBe('Supplier bribery');

    await api().delete(`/api/v1/cases/${c.id}`).set(bearer(tenant)).expect(204);
    await eventually(async () => (await search(tenant, 'gratuities')).total === 0, 5_000);
    expect(await search(tenant, 'bribery')).toEqual({ total: 0, hits: [], facets: { case: 0 } });
  });

  it('keeps look-alike tenants apart, in hits, totals and facets', async () => {
    const [a, b] = [org('alpha'), org('beta')];
    const aIds: string[] = [];
    const bIds: string[] = [];
    for (let i = 0; i < 2; i++)
      aIds.push((await createCase(a, { title: `Safety violation ${i}`, description: 'forklift incident in warehouse' })).id);
    for (let i = 0; i < 3; i++)
      bIds.push((await createCase(b, { title: `Safety violation ${i}`, description: 'forklift incident in warehouse' })).id);

    await eventually(async () => (await search(a, 'forklift')).total === 2 && (await search(b, 'forklift')).total === 3, 5_000);
    const ra = await search(a, 'forklift warehouse');
    const rb = await search(b, '"safety violation"');
    expect(ra).toMatchObject({ total: 2, facets: { case: 2 } });
    expect(ids(ra)).toEqual(aIds.sort());
    expect(rb).toMatchObject({ total: 3, facets: { case: 3 } });
    expect(ids(rb)).toEqual(bIds.sort());
    // A third tenant sees nothing at all.
    expect(await search(org('gamma'), 'forklift')).toEqual({ total: 0, hits: [], facets: { case: 0 } });
  });

  it('ranks title matches first, pages, filters by entity type and escapes snippets', async () => {
    const tenant = org('rank');
    const inTitle = await createCase(tenant, { title: 'Retaliation complaint', description: 'manager demoted the reporter' });
    const inBody = await createCase(tenant, {
      title: 'Team dispute',
      description: 'Possible retaliation after <script>alert("x")</script> report & follow-up',
    });
    await eventually(async () => (await search(tenant, 'retaliation')).total === 2, 5_000);

    const r = await search(tenant, 'retaliation');
    expect(r.hits.map((h) => h.entityId)).toEqual([inTitle.id, inBody.id]);
    expect(r.hits[0].score).toBeGreaterThan(r.hits[1].score);
    expect(r.hits[1].snippet).toContain('<mark>retaliation</mark>');
    // ts_headline drops markup tags; what is left is escaped, so only <mark> is HTML.
    expect(r.hits[1].snippet).toContain('alert(&quot;x&quot;)');
    expect(r.hits[1].snippet).toContain('&amp; follow');
    expect(r.hits[1].snippet.replace(/<\/?mark>/g, '')).not.toMatch(/[<>]/);

    const page2 = await search(tenant, 'retaliation', { limit: 1, offset: 1 });
    expect(page2).toMatchObject({ total: 2, hits: [{ entityId: inBody.id }] });
    expect((await search(tenant, 'retaliation', { entityType: 'case' })).total).toBe(2);
    expect((await search(tenant, 'retaliation -demoted')).hits.map((h) => h.entityId)).toEqual([inBody.id]);
  });

  it.each([
    ['a missing q', {}],
    ['an empty q', { q: '' }],
    ['a blank q', { q: '   ' }],
    ['an over-long q', { q: 'x'.repeat(257) }],
    ['an unknown entity type', { q: 'x', entityType: 'invoice' }],
    ['a limit above 50', { q: 'x', limit: 51 }],
    ['a negative offset', { q: 'x', offset: -1 }],
    ['an unknown parameter', { q: 'x', organizationId: 'org-other' }],
  ])('answers 400 for %s', async (_name, query) => {
    const res = await api()
      .get('/api/v1/search')
      .query(query)
      .set(bearer(org('bad')));
    expect(res.status).toBe(400);
    expect(res.body.errors?.length).toBeGreaterThan(0);
  });

  const hostile = [
    `"unterminated phrase`,
    `'single' "double" '' ""`,
    `a & b | !c <-> d`,
    `!!! ((( ))) :* & | <2>`,
    `OR AND NOT - -- or -`,
    `'; DROP TABLE search_documents; --`,
    `1' OR '1'='1`,
    `$1 $2 \\x00 %s %d`,
    `\\ \\\\ \\' \\"`,
    `the a of`,
    `日本語 Ünïcödé 🙂`,
    `a\u0000b`,
    `<script>alert(1)</script>`,
    'word '.repeat(2_000),
    'x'.repeat(10_000),
  ];
  it.each(hostile.map((q) => [JSON.stringify(q.length > 60 ? `${q.slice(0, 30)}… (${q.length} chars)` : q), q]))(
    'never fails on the hostile query %s',
    async (_label, q) => {
      const res = await api()
        .get('/api/v1/search')
        .query({ q })
        .set(bearer(org('hostile')));
      expect([200, 400]).toContain(res.status);
      if (res.status === 200) expect(res.body).toEqual({ total: 0, hits: [], facets: { case: 0 } });
    },
  );

  it('still answers after the hostile queries (the index table is intact)', async () => {
    const tenant = org('after');
    await createCase(tenant, { title: 'Conflict of interest', description: 'undisclosed shareholding' });
    await eventually(async () => (await search(tenant, 'shareholding')).total === 1, 5_000);
  });
});
