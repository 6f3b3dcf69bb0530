import type { NextFunction, Request, Response } from 'express';
import type { AdminPrincipal, AdminRequest } from '../auth/admin-auth';
import { isSafeMethod } from '../auth/admin-auth';
import type { BullQueues } from '../jobs/bull-queues';
import { QUEUES, type QueueName } from '../jobs/queues';
import { currentCorrelation } from '../logging/correlation-context';
import { AuditAction, DeadLetterAuditRepository, NewAuditEntry, payloadHash } from './dead-letter-audit.repository';

/** Operators' board reads of one page of payloads are recorded once per this window (the board polls every few seconds). */
const BOARD_READ_WINDOW_MS = 5 * 60_000;
const READ_CACHE_MAX = 2_000;

const isQueueName = (name: string): name is QueueName => QUEUES.some((q) => q.name === name);

/** Single-job actions of the board's API: `/api/queues/:queue/:jobId/<verb>`. */
const JOB_VERBS: Record<string, string> = {
  retry: 'retry',
  clean: 'remove',
  promote: 'promote',
  'update-data': 'update-data',
  delay: 'change-delay',
  priority: 'change-priority',
  'remove-unprocessed-children': 'remove-children',
};

/** Shaped to the table's check (`board-` and 1-40 of a-z and -). */
const boardAction = (verb: string): AuditAction =>
  `board-${
    verb
      .toLowerCase()
      .replace(/[^a-z-]/g, '-')
      .slice(0, 40) || 'write'
  }`;

interface BoardRequest {
  action: AuditAction;
  queue: string;
  jobId: string | null;
}

/** What a board API request does, from its method and path (relative to the board's route). */
function describeBoardRequest(method: string, path: string): BoardRequest | null {
  const s = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (s[0] !== 'api' || s[1] !== 'queues') return null;
  if (isSafeMethod(method)) {
    // The job list (GET /api/queues?activeQueue=...) and one job carry payloads; the rest are counts.
    if (s.length === 2) return { action: 'board-read', queue: '*', jobId: null };
    if (s.length === 4 && !['metrics', 'workers', 'rate-limit', 'default-job-options', 'job-data-schema'].includes(s[3])) {
      return { action: 'board-read', queue: s[2], jobId: s[3] };
    }
    return null;
  }
  if (s.length === 3) return { action: boardAction(`${s[2]}-all`), queue: '*', jobId: null }; // pause/resume every queue
  const queue = s[2];
  if (s.length === 5 && JOB_VERBS[s[4]]) return { action: boardAction(JOB_VERBS[s[4]]), queue, jobId: s[3] };
  if (s[3] === 'retry' || s[3] === 'clean') return { action: boardAction(`${s[3]}-${s[4] ?? 'all'}`), queue, jobId: null };
  if (s[3] === 'job-schedulers') return { action: boardAction(`scheduler-${s[5] ?? 'update'}`), queue, jobId: s[4] ?? null };
  return { action: boardAction(s.slice(3).join('-')), queue, jobId: null };
}

/**
 * Bull Board's actions in the audit trail the console writes: an operator's write has its row
 * written in a transaction that commits only if the board answered with success (no write
 * without a row: a failed insert answers 503 and the board never runs); a viewer's write, refused
 * by the credentials middleware, is recorded as refused; an operator's payload read is recorded
 * like a console reveal (once per page per window).
 */
export class BoardAudit {
  private readonly reads = new Map<string, number>();

  constructor(
    private readonly audit: DeadLetterAuditRepository,
    private readonly queues: BullQueues,
  ) {}

  /** For adminBasicAuth: a write it refused (viewer role, cross-site). */
  async refused(req: Request, actor: AdminPrincipal): Promise<void> {
    const what = describeBoardRequest(req.method, req.path) ?? { action: 'board-write', queue: '*', jobId: null };
    await this.audit.recordRefused(actor, await this.entry(req, what));
  }

  /** Runs after adminBasicAuth accepted the request. */
  middleware() {
    return (req: Request & AdminRequest, res: Response, next: NextFunction): void => {
      const actor = req.admin;
      const what = actor ? describeBoardRequest(req.method, req.path) : null;
      if (!actor || !what || (what.action === 'board-read' && (actor.role !== 'operator' || this.seenRecently(actor, req)))) {
        next();
        return;
      }
      const unavailable = (err: Error) => {
        if (!res.headersSent) {
          res
            .status(503)
            .json({ statusCode: 503, error: 'Service Unavailable', message: `not done: the audit trail is unavailable (${err.message})` });
        }
      };
      void this.entry(req, what).then((entry) => {
        if (what.action === 'board-read') {
          this.audit.recordRead(actor, entry).then(() => next(), unavailable);
          return;
        }
        const edited = (req.body as { jobData?: { organizationId?: unknown } } | undefined)?.jobData;
        if (what.action === 'board-update-data' && entry.organizationId !== null && edited?.organizationId !== entry.organizationId) {
          // As with the console's edit-and-replay: an edit fixes a job, it never moves it to another tenant.
          const refuse = () =>
            res.status(400).json({
              statusCode: 400,
              error: 'Bad Request',
              message: 'Invalid request',
              errors: [
                {
                  field: 'organizationId',
                  message: `must stay ${JSON.stringify(entry.organizationId)}: an edit cannot move a job to another organization`,
                },
              ],
            });
          this.audit.recordRefused(actor, entry).then(refuse, unavailable);
          return;
        }
        this.audit
          .record(actor, entry, () => {
            const answered = new Promise<{ effective: boolean; result: null }>((resolve) => {
              res.once('finish', () => resolve({ effective: res.statusCode < 400, result: null }));
              res.once('close', () => resolve({ effective: res.writableFinished && res.statusCode < 400, result: null }));
            });
            next();
            return answered;
          })
          .catch(unavailable);
      }, unavailable);
    };
  }

  private seenRecently(actor: AdminPrincipal, req: Request): boolean {
    const key = `${actor.name}\n${req.originalUrl}`;
    const now = Date.now();
    const last = this.reads.get(key);
    if (last !== undefined && now - last < BOARD_READ_WINDOW_MS) return true;
    if (this.reads.size >= READ_CACHE_MAX) this.reads.delete(this.reads.keys().next().value!);
    this.reads.set(key, now);
    return false;
  }

  /** The row: for a single job, its name, tenant and payload hash as they were before the action. */
  private async entry(req: Request, what: BoardRequest): Promise<NewAuditEntry> {
    let jobName = '*';
    let organizationId: string | null = null;
    let beforeHash: string | null = null;
    if (what.jobId && isQueueName(what.queue)) {
      const job = await this.queues
        .get(what.queue)
        .getJob(what.jobId)
        .catch(() => undefined);
      if (job) {
        jobName = job.name;
        const org = (job.data as { organizationId?: unknown } | undefined)?.organizationId;
        organizationId = typeof org === 'string' ? org : null;
        beforeHash = payloadHash(job.data);
      }
    }
    const body = req.body as { jobData?: unknown } | undefined;
    return {
      action: what.action,
      entryId: what.jobId ?? '*',
      sourceQueue: what.queue,
      jobName,
      organizationId,
      beforeHash,
      afterHash: what.action === 'board-update-data' && body?.jobData !== undefined ? payloadHash(body.jobData) : null,
      replayJobId: null,
      bulkId: null,
      correlationId: currentCorrelation()?.correlationId ?? null,
      detail: `${req.method} ${req.originalUrl}`.slice(0, 500),
    };
  }
}
