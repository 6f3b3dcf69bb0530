import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import request from 'supertest';
import { JobsService } from '../src/modules/jobs/jobs.service';
import { resultOf, startTestApp, TestApp } from './harness/app';
import { TEST_ADMIN } from './harness/config';
import { adminAuth, bearer } from './harness/http';
import { eventually } from './harness/wait';
import { aiScript, scriptedAiWorkers } from './operations/scripted-ai.processor';

// Unique per run: the audit table is shared by every test on the database, and entry ids repeat across queue prefixes.
const ORG_X = `org-x-${Date.now()}`;
const ORG_Y = `org-y-${Date.now()}`;
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(`dead-letter console browser test skipped: Chromium is not installed at ${CHROMIUM} (apt-get install chromium)`);

(hasChromium ? describe : describe.skip)(
  `dead-letter console in headless Chromium${hasChromium ? '' : ` (skipped: no ${CHROMIUM})`}`,
  () => {
    let app: TestApp;
    let browser: BrowserContext;
    let page: Page;
    const profile = mkdtempSync(join(tmpdir(), 'ethico-chromium-'));

    beforeAll(async () => {
      app = await startTestApp({ APP_ROLE: 'api' }, { imports: [scriptedAiWorkers()] });
      // Three AI jobs fail for good (provider down) and land in the dead-letter queue.
      aiScript.mode = 'fail-for-good';
      for (const [org, entityId] of [
        [ORG_X, 'case-x1'],
        [ORG_X, 'case-x2'],
        [ORG_Y, 'case-y1'],
      ]) {
        const res = await request(app.url!)
          .post('/api/v1/jobs/ai-processing')
          .set(bearer(org))
          // Not a case: over HTTP a case's text comes from the database, never from the caller.
          .send({ type: 'generate-summary', entityType: 'report', entityId, content: `Confidential report about ${entityId}` });
        expect(res.status).toBe(202);
      }
      await eventually(async () => (await request(app.url!).get('/admin/api/dead-letter').set(adminAuth())).body.total === 3);
      // The provider is back: a replay will succeed.
      aiScript.mode = 'succeed';

      browser = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
        httpCredentials: { username: TEST_ADMIN.username, password: TEST_ADMIN.password },
      });
      page = browser.pages()[0] ?? (await browser.newPage());
      page.setDefaultTimeout(10_000);
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await app?.close();
      rmSync(profile, { recursive: true, force: true });
    });

    const rows = () => page.locator('#entries tbody tr[data-entry-id]');

    it('lists, filters, opens, replays, and shows the replayed job and the audit row', async () => {
      await page.goto(`${app.url}/admin/dead-letter`);
      await expectCount(rows(), 3);
      await expectText(page.locator('#summary'), '3 entries');

      // Filter by organization.
      await page.fill('input[name="organization"]', ORG_Y);
      await page.click('button:has-text("Filter")');
      await expectCount(rows(), 1);
      expect(await rows().first().textContent()).toContain('AI provider rejected case-y1');

      // Open it: the payload shows sealed until an operator reveals it.
      await rows().first().locator('a:has-text("open")').click();
      await page.waitForURL(/\/admin\/dead-letter\/ai-processing-\d+$/);
      const entryId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
      expect(await page.locator('#payload').textContent()).toContain('"sealed": "sealed (AES-256-GCM');
      expect(await page.locator('#payload').textContent()).not.toContain('Confidential report');
      expect(await page.locator('#attempts tbody tr').count()).toBe(1);
      await page.click('a:has-text("Reveal confidential fields")');
      expect(await page.locator('#payload').textContent()).toContain('Confidential report about case-y1');

      // Replay.
      await page.click('#actions button:has-text("Replay")');
      await page.waitForURL(/notice=replayed/);
      await expectText(page.locator('[role="status"]'), 'Replayed');
      await expectText(page.locator('#status'), 'replayed');

      // The replayed job ran: the page reports it, and so does the queue.
      const state = await eventually(
        async () => {
          await page.reload();
          const s = await page.locator('#replay-state').textContent();
          return s === 'completed' ? s : undefined;
        },
        15_000,
        200,
      );
      expect(state).toBe('completed');
      const job = await app.context.get(JobsService).queue('ai-processing').getJob(`replay-${entryId}`);
      expect(await job?.getState()).toBe('completed');
      expect(await resultOf(app, job)).toEqual({ summarized: 'case-y1' });

      // The audit trail shows the reveal and the replay, on the page and in PostgreSQL.
      const auditRow = page.locator('#audit tr[data-action="replay"]');
      await expectText(auditRow, `${TEST_ADMIN.username} (operator)`);
      await expectText(auditRow, `replay-${entryId}`);
      // At least one: a browser may resend a GET whose connection dropped, and each delivery is recorded.
      expect(await page.locator('#audit tr[data-action="reveal"]').count()).toBeGreaterThanOrEqual(1);
      await page.screenshot({ path: join(tmpdir(), 'ethico-dead-letter-entry.png'), fullPage: true });
      const pg = new Client({ connectionString: app.config.database.url });
      await pg.connect();
      try {
        const { rows: audit } = await pg.query(
          'SELECT action, actor, replay_job_id, before_hash = after_hash AS same FROM dead_letter_audit WHERE entry_id = $1 AND organization_id = $2 ORDER BY id',
          [entryId, ORG_Y],
        );
        expect(audit[0]).toEqual({ action: 'reveal', actor: TEST_ADMIN.username, replay_job_id: null, same: null });
        expect(audit.filter((r) => r.action === 'replay')).toEqual([
          { action: 'replay', actor: TEST_ADMIN.username, replay_job_id: `replay-${entryId}`, same: true },
        ]);
        expect(audit.at(-1).action).toBe('replay');
      } finally {
        await pg.end();
      }

      // Back on the list, the replayed entry has left the pending view.
      await page.goto(`${app.url}/admin/dead-letter`);
      await expectCount(rows(), 2);
      await page.screenshot({ path: join(tmpdir(), 'ethico-dead-letter-console.png'), fullPage: true });
    });
  },
);

async function expectCount(locator: ReturnType<Page['locator']>, n: number): Promise<void> {
  await eventually(async () => (await locator.count()) === n, 5_000, 50);
}

async function expectText(locator: ReturnType<Page['locator']>, text: string): Promise<void> {
  expect(await locator.first().textContent()).toContain(text);
}
