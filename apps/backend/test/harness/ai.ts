import { randomUUID } from 'node:crypto';
import type { Job, Queue } from 'bullmq';
import type { RawEnv } from '../../src/config/configuration';
import { DatabaseService } from '../../src/modules/database/database.service';
import { DeadLetterService } from '../../src/modules/jobs/dead-letter/dead-letter.service';
import { JobsService } from '../../src/modules/jobs/jobs.service';
import type { AiJobType } from '../../src/modules/jobs/types';
import { startTestApp, TestApp } from './app';
import type { FakeAiServer } from './fake-ai-server';
import { eventually } from './wait';

export interface AiResultRow {
  status: 'pending' | 'ready' | 'unavailable';
  output: string | null;
  provider: string | null;
  model: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  estimated_cost_usd: string | null;
  latency_ms: number | null;
  attempts: number;
  reason: string | null;
  job_id: string | null;
}

/** Environment pointing the real SDKs at the fake servers. */
export function aiEnv(servers: { anthropic?: FakeAiServer; openai?: FakeAiServer }, providers: string, extra: RawEnv = {}): RawEnv {
  return {
    APP_ROLE: 'all',
    AI_PROVIDERS: providers,
    ...(servers.anthropic
      ? { ANTHROPIC_API_KEY: 'test-anthropic-key', ANTHROPIC_BASE_URL: servers.anthropic.url, ANTHROPIC_MODEL: 'claude-test' }
      : {}),
    ...(servers.openai ? { OPENAI_API_KEY: 'test-openai-key', OPENAI_BASE_URL: servers.openai.url, OPENAI_MODEL: 'gpt-test' } : {}),
    ...extra,
  };
}

/** A running app with its AI worker, and shortcuts to what AI tests look at. */
export class AiTestBed {
  private constructor(
    readonly app: TestApp,
    readonly jobs: JobsService,
    readonly db: DatabaseService,
    readonly deadLetters: DeadLetterService,
  ) {}

  static async start(env: RawEnv): Promise<AiTestBed> {
    const app = await startTestApp(env);
    return new AiTestBed(app, app.context.get(JobsService), app.context.get(DatabaseService), app.context.get(DeadLetterService));
  }

  get queue(): Queue {
    return this.jobs.queue('ai-processing');
  }

  close(): Promise<void> {
    return this.app.close();
  }

  static org(): string {
    return `org-${randomUUID().slice(0, 8)}`;
  }

  async result(org: string, entityId: string, type: AiJobType, entityType = 'case'): Promise<AiResultRow | undefined> {
    const rows = await this.db.query<AiResultRow>(
      'SELECT * FROM ai_results WHERE organization_id = $1 AND entity_type = $2 AND entity_id = $3 AND job_type = $4',
      [org, entityType, entityId, type],
    );
    return rows[0];
  }

  /** Waits until the result leaves `pending` (or reaches `status`). */
  async settled(org: string, entityId: string, type: AiJobType, status?: AiResultRow['status'], timeoutMs = 15_000): Promise<AiResultRow> {
    return eventually(async () => {
      const r = await this.result(org, entityId, type);
      return r && r.status !== 'pending' && (!status || r.status === status) ? r : undefined;
    }, timeoutMs);
  }

  async job(id: string): Promise<Job> {
    const job = await this.queue.getJob(id);
    if (!job) throw new Error(`no job ${id}`);
    return job;
  }

  async finishedJob(id: string, timeoutMs = 15_000): Promise<Job> {
    return eventually(async () => {
      const job = await this.queue.getJob(id);
      return job?.finishedOn ? job : undefined;
    }, timeoutMs);
  }
}
