import { createHash } from 'node:crypto';

export interface MessageIdSource {
  queuePrefix: string;
  /** The queue job id the message belongs to (for a replay: the original job's). */
  jobId: string;
  organizationId: string;
  /** Domain of the sender address: a Message-ID's right-hand side should be a domain we own. */
  domain: string;
}

/**
 * The same job always gets the same Message-ID, so a retry after an ambiguous failure (say a timeout
 * after DATA, when the server may have taken the message) lets receivers de-duplicate. It is a hash:
 * tenant ids and job counters are nobody's business outside.
 */
export function messageIdFor(source: MessageIdSource): string {
  const digest = createHash('sha256').update(`${source.queuePrefix}\n${source.organizationId}\n${source.jobId}`).digest('hex').slice(0, 32);
  return `<${digest}@${source.domain}>`;
}
