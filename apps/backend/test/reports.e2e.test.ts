import { bandStart } from '../src/modules/jobs/fairness/fair-order';
import ExcelJS from 'exceljs';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { DatabaseService } from '../src/modules/database/database.service';
import { DeadLetterService } from '../src/modules/jobs/dead-letter/dead-letter.service';
import { JobsService } from '../src/modules/jobs/jobs.service';
import { JobEventStreamsService } from '../src/modules/jobs/progress/job-event-streams.service';
import { ReportExpiryScheduler } from '../src/modules/reports/report-expiry.scheduler';
import { PayloadSealer } from '../src/modules/jobs/sealing/payload-sealer';
import { dataOf, startTestApp, TestApp } from './harness/app';
import { adminAuth, bearer } from './harness/http';
import { openSse } from './harness/sse';
import { eventually } from './harness/wait';

const CASES = 10_000;
const run = Date.now().toString(36);
const orgA = `org-rep-a-${run}`;
const orgB = `org-rep-b-${run}`;
const orgSmall = `org-rep-s-${run}`;

/** RFC 4180 records (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else field += c;
  }
  if (field || record.length) records.push([...record, field]);
  return records;
}

describe('case exports: background job, progress over SSE, download by its tenant only', () => {
  let app: TestApp;
  let db: DatabaseService;
  let jobs: JobsService;

  const enqueue = async (org: string, body: object) => {
    const res = await request(app.url!).post('/api/v1/jobs/reports').set(bearer(org)).send(body);
    expect(res.status).toBe(202);
    return res.body.id as string;
  };
  const jobView = async (org: string, id: string) => (await request(app.url!).get(`/api/v1/jobs/reports/${id}`).set(bearer(org))).body;
  const finished = (org: string, id: string) =>
    eventually(
      async () => {
        const v = await jobView(org, id);
        if (v.state === 'failed') throw new Error(v.failedReason);
        return v.state === 'completed' && v;
      },
      60_000,
      100,
    );
  const download = (org: string, path: string) =>
    request(app.url!)
      .get(path)
      .set(bearer(org))
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });

  beforeAll(async () => {
    app = await startTestApp({ APP_ROLE: 'all' });
    db = app.context.get(DatabaseService);
    jobs = app.context.get(JobsService);
    await db.query(
      `INSERT INTO cases (organization_id, number, title, description, status, created_at)
       SELECT $1, g, 'Case ' || g, 'Reported on line ' || g || ' ' || md5(g::text),
              (ARRAY['open','in_progress','resolved','closed'])[1 + g % 4], now() - g * interval '1 minute'
       FROM generate_series(1, $2::int) g`,
      [orgA, CASES],
    );
    await db.query(`INSERT INTO cases (organization_id, number, title) SELECT $1, g, 'Other ' || g FROM generate_series(1, 50) g`, [orgB]);
  });
  afterAll(async () => {
    await jobs.queue('reports').resume();
    await app.close();
  });

  it(`exports ${CASES} cases as CSV in the background, streams progress at least once a second, and only its tenant downloads it`, async () => {
    // Paused, so that the stream is open before the export starts and sees all of it.
    await jobs.queue('reports').pause();
    const id = await enqueue(orgA, { format: 'csv' });
    const stored = await jobs.queue('reports').getJob(id);
    expect(stored?.opts.priority).toBe(bandStart('low')); // the tier's band start (docs/fairness.md)
    expect(await dataOf(app, stored)).toMatchObject({ organizationId: orgA, format: 'csv', filter: {} });

    const stream = await openSse(`${app.url}/api/v1/jobs/reports/${id}/events`, bearer(orgA));
    expect(stream.status).toBe(200);
    await eventually(async () => stream.events.length > 0, 5_000);
    expect(stream.events[0]).toMatchObject({ event: 'state', data: { id, state: 'prioritized' } });
    const other = await openSse(`${app.url}/api/v1/jobs/reports/${id}/events`, bearer(orgB));
    expect(other.status).toBe(404);
    other.close();

    await jobs.queue('reports').resume();
    await Promise.race([stream.ended, new Promise((_, reject) => setTimeout(() => reject(new Error('stream did not end')), 60_000))]);
    const names = stream.events.map((e) => e.event);
    expect(names.at(-1)).toBe('completed');
    const progress = stream.events.filter((e) => e.event === 'progress');
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress[0].data).toMatchObject({ progress: { rows: 0, total: CASES, percent: 0 } });
    expect(progress.at(-1)!.data).toEqual({ id, progress: { rows: CASES, total: CASES, percent: 100 } });
    // From the first progress event to the end, no gap above a second.
    const running = stream.events.slice(stream.events.indexOf(progress[0]));
    const gaps = running.slice(1).map((e, i) => e.at - running[i].at);
    console.log(
      `export of ${CASES} cases: ${running.at(-1)!.at - running[0].at} ms, ${progress.length} progress events, largest gap ${Math.max(...gaps)} ms`,
    );
    expect(Math.max(...gaps)).toBeLessThanOrEqual(1_000);

    const done = await finished(orgA, id);
    expect(done.result).toMatchObject({
      format: 'csv',
      rows: CASES,
      download: expect.stringMatching(/^\/api\/v1\/reports\/[0-9a-f-]{36}$/),
    });
    const file = await download(orgA, done.result.download);
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(file.headers['content-disposition']).toMatch(/^attachment; filename="cases-\d{4}-\d{2}-\d{2}-[0-9a-f]{8}\.csv"$/);
    const text = (file.body as Buffer).toString('utf8');
    expect(Number(file.headers['content-length'])).toBe((file.body as Buffer).length);
    expect(text.startsWith('\uFEFFnumber,id,title,')).toBe(true);
    const records = parseCsv(text.slice(1));
    expect(records).toHaveLength(CASES + 1);
    // Newest first: case 1 was created last.
    expect(records[1].slice(0, 1)).toEqual(['1']);
    expect(new Set(records.slice(1).map((r) => r[1])).size).toBe(CASES);

    expect((await download(orgB, done.result.download)).status).toBe(404);
    expect((await request(app.url!).get(done.result.download)).status).toBe(401);
    expect((await request(app.url!).get('/api/v1/reports/not-a-uuid').set(bearer(orgA))).status).toBe(404);
  });

  it('exports a filtered XLSX (status, date range, full-text q) that reads back cell for cell', async () => {
    const from = new Date(Date.now() - 3000 * 60_000).toISOString();
    const to = new Date(Date.now() - 1000 * 60_000).toISOString();
    await db.query(`UPDATE cases SET title = title || ' embezzlement' WHERE organization_id = $1 AND number % 7 = 0`, [orgA]);
    const filter = { status: ['open', 'closed'], createdFrom: from, createdTo: to, q: 'embezzlement' };
    const id = await enqueue(orgA, { format: 'xlsx', filter });
    const done = await finished(orgA, id);
    const expected = await db.query<{ number: number; title: string; status: string }>(
      `SELECT number, title, status FROM cases WHERE organization_id = $1 AND status IN ('open', 'closed')
         AND created_at >= $2 AND created_at < $3 AND title LIKE '%embezzlement' ORDER BY created_at DESC, id DESC`,
      [orgA, from, to],
    );
    expect(expected.length).toBeGreaterThan(50);
    expect(done.result.rows).toBe(expected.length);

    const file = await download(orgA, done.result.download);
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(file.body as Buffer);
    const sheet = book.getWorksheet('Cases')!;
    const rows: unknown[][] = [];
    sheet.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
    expect(rows[0].slice(0, 4)).toEqual(['number', 'id', 'title', 'status']);
    expect(rows.slice(1).map((r) => [r[0], r[2], r[3]])).toEqual(expected.map((e) => [e.number, e.title, e.status]));
  });

  it('quotes CSV fields as RFC 4180 says and keeps formulas from running', async () => {
    await db.query(
      `INSERT INTO cases (organization_id, number, title, description, category) VALUES
       ($1, 1, '=HYPERLINK("http://evil.example","click")', 'line one
line two, with "quotes"', '@SUM(A1)'), ($1, 2, '+1', '-2', NULL)`,
      [orgSmall],
    );
    const done = await finished(orgSmall, await enqueue(orgSmall, { format: 'csv' }));
    const text = ((await download(orgSmall, done.result.download)).body as Buffer).toString('utf8');
    const records = parseCsv(text.slice(1));
    expect(records).toHaveLength(3);
    const byNumber = new Map(records.slice(1).map((r) => [r[0], r]));
    expect(byNumber.get('1')![2]).toBe(`'=HYPERLINK("http://evil.example","click")`);
    expect(byNumber.get('1')![9]).toBe('line one\nline two, with "quotes"');
    expect(byNumber.get('1')![5]).toBe(`'@SUM(A1)`);
    expect(byNumber.get('2')!.slice(2, 3)).toEqual([`'+1`]);
    expect(byNumber.get('2')![9]).toBe(`'-2`);
  });

  it("stores report files sealed under the tenant's data key: altered or shredded, a download is 410, never plaintext", async () => {
    const org = `org-rep-seal-${run}`;
    const secret = 'Whistleblower statement naming Jean Dupont';
    await db.query(`INSERT INTO cases (organization_id, number, title, assignee_email) VALUES ($1, 1, $2, 'jean.dupont@example.com')`, [
      org,
      secret,
    ]);
    for (const format of ['csv', 'xlsx'] as const) {
      const done = await finished(org, await enqueue(org, { format }));
      const file = join(app.config.reports.dir, done.result.reportId as string);
      const stored = readFileSync(file);
      expect(stored.subarray(0, 4).toString()).toBe('ESF2');
      expect(stored.includes('Jean Dupont')).toBe(false);
      expect(stored.includes('jean.dupont@example.com')).toBe(false);
      const plain = await download(org, done.result.download);
      expect(plain.status).toBe(200);
      // The recorded size is the plaintext's: what the tenant downloads.
      expect(done.result.bytes).toBe((plain.body as Buffer).length);
      if (format === 'csv') expect((plain.body as Buffer).toString()).toContain(secret);
      else expect((plain.body as Buffer).subarray(0, 2).toString()).toBe('PK');
      if (format === 'csv') {
        const altered = Buffer.from(stored);
        altered[40] ^= 1;
        writeFileSync(file, altered);
        // Headers are sent once the header and key check out; the altered segment never leaves: the download is cut off.
        await expect(download(org, done.result.download)).rejects.toThrow(/socket hang up|aborted/);
        writeFileSync(file, stored);
      }
    }
    const last = await finished(org, await enqueue(org, { format: 'csv' }));
    expect((await download(org, last.result.download)).status).toBe(200);
    await app.context.get(PayloadSealer).shred(org);
    const shredded = await download(org, last.result.download);
    expect(shredded.status).toBe(410);
    expect(shredded.body.toString()).toContain('unreadable');
  });

  it('answers a bad filter with field-level 400s', async () => {
    const res = await request(app.url!)
      .post('/api/v1/jobs/reports')
      .set(bearer(orgA))
      .send({ format: 'pdf', filter: { status: ['lost'], createdFrom: 'yesterday', extra: 1 } });
    expect(res.status).toBe(400);
    const fields = (res.body.errors as { field: string }[]).map((e) => e.field).sort();
    expect(fields).toEqual(['filter', 'filter.createdFrom', 'filter.status.0', 'format'].sort());
    const order = await request(app.url!)
      .post('/api/v1/jobs/reports')
      .set(bearer(orgA))
      .send({ format: 'csv', filter: { createdFrom: '2026-02-01', createdTo: '2026-01-01' } });
    expect(order.status).toBe(400);
    expect(order.body.errors).toEqual([{ field: 'filter.createdTo', message: 'must be after createdFrom' }]);
  });

  it('cancels a waiting export: removed, answered as cancelled, no dead letter; another tenant gets 404', async () => {
    await jobs.queue('reports').pause();
    try {
      const id = await enqueue(orgA, { format: 'csv' });
      expect((await request(app.url!).delete(`/api/v1/jobs/reports/${id}`).set(bearer(orgB))).status).toBe(404);
      const res = await request(app.url!).delete(`/api/v1/jobs/reports/${id}`).set(bearer(orgA));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ id, queue: 'reports', name: 'export-cases', state: 'cancelled', previousState: 'prioritized' });
      expect(await jobs.queue('reports').getJob(id)).toBeUndefined();
      expect(await jobView(orgA, id)).toMatchObject({ id, state: 'cancelled', name: 'export-cases' });
      expect((await request(app.url!).get(`/api/v1/jobs/reports/${id}`).set(bearer(orgB))).status).toBe(404);
      // Asking again is harmless.
      expect((await request(app.url!).delete(`/api/v1/jobs/reports/${id}`).set(bearer(orgA))).body.state).toBe('cancelled');
      const [row] = await db.query(`SELECT outcome, state FROM job_cancellations WHERE organization_id = $1 AND job_id = $2`, [orgA, id]);
      expect(row).toEqual({ outcome: 'removed', state: 'prioritized' });
      expect(await app.context.get(DeadLetterService).has('reports', id)).toBe(false);

      // The console lists the tenant's reports and its cancellations.
      const page = await request(app.url!).get('/admin/reports').query({ organization: orgA }).set(adminAuth());
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.text).toContain(`reports/${id}`);
      expect(page.text).toContain('removed before it ran');
      expect(page.text).not.toContain(orgB);
      expect((await request(app.url!).get('/admin/reports')).status).toBe(401);
    } finally {
      await jobs.queue('reports').resume();
    }
  });

  it('refuses to cancel a finished job (409)', async () => {
    const id = await enqueue(orgB, { format: 'csv' });
    await finished(orgB, id);
    const res = await request(app.url!).delete(`/api/v1/jobs/reports/${id}`).set(bearer(orgB));
    expect(res.status).toBe(409);
  });

  it('expires reports: 410 once past expiry, then the sweep deletes file and record (404)', async () => {
    const done = await finished(orgB, await enqueue(orgB, { format: 'xlsx' }));
    const reportId: string = done.result.reportId;
    const file = join(app.config.reports.dir, reportId);
    expect(existsSync(file)).toBe(true);
    await db.query(`UPDATE reports SET expires_at = now() - interval '1 second' WHERE id = $1`, [reportId]);
    expect((await download(orgB, done.result.download)).status).toBe(410);
    expect(await app.context.get(ReportExpiryScheduler).sweep()).toBeGreaterThanOrEqual(1);
    expect(existsSync(file)).toBe(false);
    expect(await db.query(`SELECT id FROM reports WHERE id = $1`, [reportId])).toEqual([]);
    expect((await download(orgB, done.result.download)).status).toBe(404);
  });

  it('removes the stream listeners when a client goes away', async () => {
    const streams = app.context.get(JobEventStreamsService);
    await jobs.queue('reports').pause();
    try {
      const id = await enqueue(orgB, { format: 'csv' });
      const before = streams.listenerCount();
      const stream = await openSse(`${app.url}/api/v1/jobs/reports/${id}/events`, bearer(orgB));
      await eventually(async () => stream.events.length > 0 && streams.listenerCount('reports', id) === 1, 5_000);
      stream.close();
      await eventually(async () => streams.listenerCount('reports', id) === 0 && streams.listenerCount() === before, 5_000);
    } finally {
      await jobs.queue('reports').resume();
    }
  });
});
