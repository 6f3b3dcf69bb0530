import { fieldErrors, type FieldError } from '../../http/field-errors';

export { fieldErrors, type FieldError };
import { jobNamesOf, schemaFor, workerSchemaFor, WorkQueueName } from './job-registry';

/** A payload that can never be processed; producers answer 400, workers fail the job without retrying. */
export class JobValidationError extends Error {
  constructor(readonly errors: FieldError[]) {
    super(errors.map((e) => `${e.field}: ${e.message}`).join('; '));
    this.name = 'JobValidationError';
  }
}

/**
 * Validates a payload against the registry; returns the parsed data (defaults applied). `worker`
 * checks what a worker must (see workerSchemaFor); producers and replays check everything.
 */
export function validatePayload<T = unknown>(queue: WorkQueueName, name: string, data: unknown, at: 'producer' | 'worker' = 'producer'): T {
  const schema = at === 'worker' ? workerSchemaFor(queue, name) : schemaFor(queue, name);
  if (!schema) {
    throw new JobValidationError([
      { field: 'name', message: `no job "${name}" on queue ${queue}; known: ${jobNamesOf(queue).join(', ')}` },
    ]);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new JobValidationError(fieldErrors(parsed.error));
  return parsed.data as T;
}
