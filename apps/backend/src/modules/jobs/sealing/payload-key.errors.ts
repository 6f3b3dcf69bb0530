/**
 * A sealed payload that no retry will open: its data key was destroyed (crypto-shredding), is
 * missing, or its master key is not in PAYLOAD_KEYS, or the ciphertext was altered. Workers fail
 * such a job at once (UnrecoverableError) into the dead-letter queue. A database that is down is
 * not this: that error passes through, and the job retries.
 */
export class PayloadKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadKeyError';
  }
}

export class PayloadKeyDestroyedError extends PayloadKeyError {
  constructor(organizationId: string, version: number, destroyedAt: Date) {
    super(
      `payload key destroyed for organization ${organizationId} (data key v${version}, ${destroyedAt.toISOString()}): the payload is unreadable`,
    );
    this.name = 'PayloadKeyDestroyedError';
  }
}
