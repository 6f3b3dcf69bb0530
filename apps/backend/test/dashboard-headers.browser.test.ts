import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { startTestApp, TestApp } from './harness/app';
import { TEST_ADMIN } from './harness/config';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(`Bull Board browser test skipped: Chromium is not installed at ${CHROMIUM} (apt-get install chromium)`);
}

/** Issue #21 item 5: the security headers on /admin must not break Bull Board, which a real browser enforces. */
(hasChromium ? describe : describe.skip)(
  `Bull Board under its security headers, in headless Chromium${hasChromium ? '' : ` (skipped)`}`,
  () => {
    let app: TestApp;
    let browser: BrowserContext;
    const profile = mkdtempSync(join(tmpdir(), 'ethico-board-'));

    beforeAll(async () => {
      app = await startTestApp({ APP_ROLE: 'api' });
      browser = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
        httpCredentials: { username: TEST_ADMIN.username, password: TEST_ADMIN.password },
      });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await app?.close();
      rmSync(profile, { recursive: true, force: true });
    });

    it('renders the queues with no script or style blocked by the policy, and refuses to be framed', async () => {
      const page = browser.pages()[0] ?? (await browser.newPage());
      page.setDefaultTimeout(10_000);
      const violations: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
      });
      // External fonts are cosmetic and may be unreachable here; only our own origin's loads count.
      await page.route(/^https?:\/\/(?!127\.0\.0\.1|localhost)/, (route) => route.abort());
      await page.goto(`${app.url}/admin/queues`);
      await page.getByText('AI processing').first().waitFor();
      await page.getByText('Dead letters', { exact: false }).first().waitFor();
      expect(violations).toEqual([]);

      // A page of another origin framing the board gets nothing: the browser refuses the frame.
      await page.setContent(`<iframe id="f" src="${app.url}/admin/queues" width="800" height="600"></iframe>`);
      const frame = await (await page.waitForSelector('#f')).contentFrame();
      await page.waitForTimeout(1500);
      const framedText = frame
        ? await frame
            .locator('body')
            .innerText({ timeout: 2000 })
            .catch(() => '')
        : '';
      expect(framedText).not.toContain('AI processing');
    }, 30_000);
  },
);
