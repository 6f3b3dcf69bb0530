import { originalJobId, replayJobId, deadLetterEntryId } from '../jobs/dead-letter/dead-letter.service';
import { messageIdFor } from './message-id';

describe('messageIdFor', () => {
  const base = { queuePrefix: 'ethico', jobId: '42', organizationId: 'org-a', domain: 'ethico.example' };

  it('is stable for a job and differs across jobs, tenants and deployments', () => {
    const id = messageIdFor(base);
    expect(id).toMatch(/^<[0-9a-f]{32}@ethico\.example>$/);
    expect(messageIdFor({ ...base })).toBe(id);
    expect(messageIdFor({ ...base, jobId: '43' })).not.toBe(id);
    expect(messageIdFor({ ...base, organizationId: 'org-b' })).not.toBe(id);
    expect(messageIdFor({ ...base, queuePrefix: 'staging' })).not.toBe(id);
  });

  it('does not show the tenant or the job counter', () => {
    expect(messageIdFor({ ...base, organizationId: 'acme-corp' })).not.toContain('acme');
  });
});

describe('originalJobId', () => {
  it('sees through (repeated) dead-letter replays to the job the message belongs to', () => {
    const once = replayJobId(deadLetterEntryId('email', '42'));
    const twice = replayJobId(deadLetterEntryId('email', once));
    expect(originalJobId('email', '42')).toBe('42');
    expect(originalJobId('email', once)).toBe('42');
    expect(originalJobId('email', twice)).toBe('42');
    expect(originalJobId('email', replayJobId(deadLetterEntryId('indexing', '42')))).toBe('replay-indexing-42');
  });
});
