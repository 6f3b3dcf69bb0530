import { Job, Processor, RedisConnection, UnrecoverableError, WorkerOptions } from 'bullmq';
import { REPEAT_SETTINGS } from '../queues/repeat-strategy';
import { scrubEmails } from '../../logging/redaction';
import { rememberOpened } from '../sealing/opened-payloads';
import { PayloadKeyError } from '../sealing/payload-key.errors';
import type { PayloadSealer } from '../sealing/payload-sealer';
import { CancellableWorker } from './cancellable.worker';

/**
 * The Worker class for this process's sealer (BullModule.workerClass, set by WorkersModule): each
 * job is opened in memory before its processor runs (payloadOf reads the opened payload) and its
 * result sealed before BullMQ stores it. A payload that can never be opened (its tenant's key
 * destroyed) fails at once into the dead-letter queue; a database that is down, with a retry.
 * Its workers compute job schedulers' next runs with the memoised strategy the queues use.
 */
export function sealingWorkerClass(sealer: PayloadSealer): typeof CancellableWorker {
  return class SealingWorker extends CancellableWorker {
    constructor(name: string, processor?: string | URL | null | Processor, opts?: WorkerOptions, connection?: typeof RedisConnection) {
      super(name, processor, { ...opts, settings: { ...REPEAT_SETTINGS, ...opts?.settings } } as WorkerOptions, connection);
    }

    protected override async callProcessJob(job: Job, token: string, signal?: AbortSignal): Promise<unknown> {
      try {
        rememberOpened(job, await sealer.open(job.data));
      } catch (err) {
        throw err instanceof PayloadKeyError ? new UnrecoverableError(err.message) : err;
      }
      let result: unknown;
      try {
        result = await super.callProcessJob(job, token, signal);
      } catch (err) {
        throw withoutAddresses(err);
      }
      const organizationId = (job.data as { organizationId?: unknown } | undefined)?.organizationId;
      return result === undefined || typeof organizationId !== 'string' ? result : sealer.sealFor(organizationId, result);
    }
  };
}

/**
 * BullMQ stores a failure's message and stack in clear (the job, its log, the events stream, the
 * dead-letter entry); a delivery error naming its recipient would put the address there.
 */
function withoutAddresses(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  err.message = scrubEmails(err.message);
  if (err.stack) err.stack = scrubEmails(err.stack);
  return err;
}
