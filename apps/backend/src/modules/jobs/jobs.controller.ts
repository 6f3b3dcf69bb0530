import {
  Body,
  ConflictException,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Req,
  Res,
  UnprocessableEntityException,
  UseGuards,
} from '@nestjs/common';
import type { Response } from 'express';
import { z } from 'zod';
import { JwtAuthGuard } from '../auth/jwt-auth.guard';
import { AuthenticatedRequest, CurrentPrincipal, Principal } from '../auth/principal';
import { badRequest, parseOr400 } from '../http/validation';
import { IdempotencyConflictError } from './idempotency';
import { CancelOutcome, EnqueuedJob, JobsService, JobView } from './jobs.service';
import { streamJobEvents } from './progress/job-event-stream';
import { JobEventStreamsService } from './progress/job-event-streams.service';
import { PRIORITY_TIERS, PriorityTier } from './queues';
import type { AppConfig } from '../../config/configuration';
import { InjectConfig } from '../../config/app-config.module';
import { httpJobName, httpProducerRule, isWorkQueue, jobNamesOf, schemaFor, WORK_QUEUES, WorkQueueName } from './types';

const enqueueMeta = z.object({
  priority: z.enum(Object.keys(PRIORITY_TIERS) as [PriorityTier, ...PriorityTier[]], { error: 'must be high, normal or low' }).optional(),
  organizationId: z.undefined({ error: 'must not be set: the organization comes from the token' }),
  correlationId: z.undefined({ error: 'must not be set: it comes from the X-Correlation-Id header' }),
});
const idempotencyKey = z
  .string()
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(200, { error: 'must be at most 200 characters' })
  .optional();

function queueOr404(name: string): WorkQueueName {
  if (!isWorkQueue(name)) throw new NotFoundException(`unknown queue "${name}"; queues: ${WORK_QUEUES.join(', ')}`);
  return name;
}

@Controller('jobs')
@UseGuards(JwtAuthGuard)
export class JobsController {
  constructor(
    private readonly jobs: JobsService,
    @InjectConfig() private readonly config: AppConfig,
    private readonly streams: JobEventStreamsService,
  ) {}

  @Post(':queue')
  @HttpCode(202)
  async enqueue(
    @Param('queue') queueName: string,
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyHeader: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Req() req: AuthenticatedRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<EnqueuedJob> {
    const queue = queueOr404(queueName);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw badRequest([{ field: '(body)', message: 'must be a JSON object' }]);
    }
    const { priority, ...fields } = body as Record<string, unknown>;
    const meta = parseOr400(enqueueMeta, { priority, organizationId: fields.organizationId, correlationId: fields.correlationId });
    const key = parseOr400(idempotencyKey, idempotencyHeader, ['Idempotency-Key']);

    const spec = httpJobName(queue);
    if (!spec) throw new NotFoundException(`queue "${queue}" takes no jobs over HTTP`);
    const named = 'fixed' in spec ? spec.fixed : fields[spec.field];
    // Only a string can name a job; anything else fails the check below, as '' does.
    const name = typeof named === 'string' ? named : '';
    if (!schemaFor(queue, name)) {
      const field = 'field' in spec ? spec.field : 'name';
      throw badRequest([{ field, message: `must be one of ${jobNamesOf(queue).join(', ')}` }]);
    }
    const refused = httpProducerRule(queue)?.(fields, this.config) ?? [];
    if (refused.length) throw badRequest(refused);
    const data = { ...fields, organizationId: principal.organizationId, correlationId: req.correlationId };
    // The registry's compile-time typing cannot follow a name chosen at run time; enqueue re-validates the payload.
    const job = await this.jobs
      .enqueue(queue, name as never, data as never, { idempotencyKey: key, idempotencyScope: 'client', priority: meta.priority })
      .catch((err: unknown) => {
        if (!(err instanceof IdempotencyConflictError)) throw err;
        throw new UnprocessableEntityException({
          statusCode: 422,
          error: 'Unprocessable Entity',
          message: err.message,
          errors: [{ field: 'Idempotency-Key', message: `was used for another request (job ${err.original.jobId}, ${err.original.name})` }],
          originalJob: { id: err.original.jobId, queue, name: err.original.name },
        });
      });
    res.setHeader('Location', `/api/v1/jobs/${queue}/${encodeURIComponent(job.id)}`);
    return job;
  }

  @Get(':queue/:id')
  async get(@Param('queue') queueName: string, @Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<JobView> {
    const queue = queueOr404(queueName);
    const job = await this.jobs.find(queue, id, principal.organizationId);
    if (!job) throw new NotFoundException(`no job ${id} on queue ${queue}`);
    return job;
  }

  /**
   * The job's state, then its progress and its end, as server-sent events (`state`, `progress`,
   * `completed`, `failed`, `cancelled`); the stream closes at the end. Another tenant's job is a 404.
   */
  @Get(':queue/:id/events')
  async events(
    @Param('queue') queueName: string,
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
    @Res() res: Response,
  ): Promise<void> {
    const queue = queueOr404(queueName);
    const job = await this.jobs.find(queue, id, principal.organizationId);
    if (!job) throw new NotFoundException(`no job ${id} on queue ${queue}`);
    await streamJobEvents({ jobs: this.jobs, streams: this.streams, queue, id, organizationId: principal.organizationId, res });
  }

  /**
   * Cancels the caller's own job: 200 `cancelled` when it had not started (it is removed) or was
   * cancelled before, 202 `cancelling` when it is running (its worker aborts it), 409 when it
   * already finished. Another tenant's job is a 404.
   */
  @Delete(':queue/:id')
  async cancel(
    @Param('queue') queueName: string,
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
    @Req() req: AuthenticatedRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CancelOutcome> {
    const queue = queueOr404(queueName);
    const outcome = await this.jobs.cancel(queue, id, principal.organizationId, {
      userId: principal.userId,
      correlationId: req.correlationId,
    });
    if (!outcome) throw new NotFoundException(`no job ${id} on queue ${queue}`);
    if (outcome.state === 'finished')
      throw new ConflictException({
        statusCode: 409,
        error: 'Conflict',
        message: `job ${id} already ${outcome.previousState}`,
        job: outcome,
      });
    res.status(outcome.state === 'cancelling' ? 202 : 200);
    return outcome;
  }
}
