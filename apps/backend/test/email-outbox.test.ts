import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { resultOf } from './harness/app';
import { caseAssigned, emailQueue, settled, startEmailWorker } from './harness/email';

describe('file outbox (no SMTP_HOST)', () => {
  const dir = mkdtempSync(join(process.env.TEST_TMP_DIR ?? tmpdir(), 'outbox-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one complete, parseable .eml file per job, named after its Message-ID', async () => {
    const app = await startEmailWorker({ EMAIL_OUTBOX_DIR: dir, EMAIL_FROM: 'Ethico <no-reply@ethico.example>' });
    try {
      const queue = emailQueue(app);
      const job = await queue.add('send-email', caseAssigned({ to: ['a@example.com', 'b@example.com'] }, { caseTitle: 'Fish & <chips>' }));
      const done = await settled(queue, job.id!);
      expect(await done.getState()).toBe('completed');
      const result = (await resultOf(app, done)) as { transport: string; response: string; messageId: string; accepted: string[] };
      expect(result).toMatchObject({ transport: 'file', accepted: ['a@example.com', 'b@example.com'], rejected: [] });

      const files = readdirSync(dir);
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/\.eml$/);
      expect(result.response).toBe(`written to ${join(dir, files[0])}`);
      const parsed = await simpleParser(readFileSync(join(dir, files[0])));
      expect(parsed.messageId).toBe(result.messageId);
      expect(parsed.from?.value).toEqual([{ name: 'Ethico', address: 'no-reply@ethico.example' }]);
      expect(parsed.to).toMatchObject({ value: [{ address: 'a@example.com' }, { address: 'b@example.com' }] });
      expect(parsed.subject).toBe('Case C-2026-0042 was assigned to you');
      expect(parsed.html).toContain('Fish &amp; &lt;chips&gt;');
      expect(parsed.text).toContain('"Fish & <chips>"');
    } finally {
      await app.close();
    }
  });
});
