import type { DeadLetterDetail, DeadLetterItem } from '../jobs/dead-letter/dead-letter.types';
import { sealedSummary } from '../jobs/sealing/sealed-payload';
import { redactPayload, scrubEmails } from '../logging/redaction';

/** What a viewer (or an operator who has not asked to reveal) sees of a dead-letter entry. */
export function redactEntry<T extends DeadLetterItem>(entry: T): T {
  const out: T = { ...entry, data: redactPayload(sealedSummary(entry.data)), failedReason: scrubEmails(entry.failedReason) };
  const detail = out as unknown as Partial<DeadLetterDetail>;
  if (detail.stacktrace) detail.stacktrace = detail.stacktrace.map(scrubEmails);
  if (detail.attempts) detail.attempts = detail.attempts.map((a) => ({ ...a, error: scrubEmails(a.error) }));
  return out;
}
