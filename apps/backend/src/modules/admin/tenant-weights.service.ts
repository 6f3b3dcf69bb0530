import { Injectable } from '@nestjs/common';
import type { AdminPrincipal } from '../auth/admin-auth';
import { DeadLetterAuditRepository, NewAuditEntry, payloadHash } from './dead-letter-audit.repository';
import type { AppConfig } from '../../config/configuration';
import { InjectConfig } from '../../config/app-config.module';
import { DEFAULT_WEIGHT, TenantWeights } from '../jobs/fairness/tenant-weights';
import { TenantFairnessSettings, TenantWeight, TenantWeightsRepository } from '../jobs/fairness/tenant-weights.repository';
import { JobsService } from '../jobs/jobs.service';
import { WORK_QUEUES, WorkQueueName } from '../jobs/types/index';

interface QueueUsage {
  queue: WorkQueueName;
  fair: boolean;
  /** Tenants with jobs waiting, most first (at most 100). */
  tenants: { organizationId: string; pending: number; weight: number }[];
  /** The per-tenant concurrency cap on the queue's workers (FAIRNESS_TENANT_CONCURRENCY), or null. */
  cap: number | null;
}

export interface FairnessView {
  enabled: boolean;
  maxPending: number;
  aiCallsPerMinute: number;
  defaultWeight: number;
  weights: TenantWeight[];
  queues: QueueUsage[];
}

/** What the admin API and console show and change about tenant fairness. */
@Injectable()
export class TenantWeightsService {
  constructor(
    private readonly repository: TenantWeightsRepository,
    private readonly cache: TenantWeights,
    private readonly jobs: JobsService,
    private readonly audit: DeadLetterAuditRepository,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async view(): Promise<FairnessView> {
    const queues: QueueUsage[] = [];
    for (const queue of WORK_QUEUES) {
      const pending = await this.jobs.pendingByTenant(queue);
      queues.push({
        queue,
        fair: this.jobs.isFair(queue),
        tenants: pending.slice(0, 100).map((p) => ({ ...p, weight: this.cache.of(p.organizationId) })),
        cap: this.config.fairness.tenantConcurrency[queue] ?? null,
      });
    }
    return {
      enabled: this.config.fairness.enabled,
      maxPending: this.config.fairness.maxPending,
      aiCallsPerMinute: this.config.fairness.aiCallsPerMinute,
      defaultWeight: DEFAULT_WEIGHT,
      weights: await this.repository.all(),
      queues,
    };
  }

  /** Every change is in the audit trail (fairness-set), written with it or not at all. */
  async set(organizationId: string, settings: TenantFairnessSettings, by: AdminPrincipal): Promise<TenantWeight> {
    const before = await this.repository.find(organizationId);
    const row = await this.audit.record(by, this.auditEntry('fairness-set', organizationId, before, settings), async () => ({
      effective: true,
      result: await this.repository.set(organizationId, settings, by.name),
    }));
    await this.cache.refresh();
    return row;
  }

  /** Back to the configured defaults (fairness-reset); false if the tenant had no settings of its own. */
  async reset(organizationId: string, by: AdminPrincipal): Promise<boolean> {
    const before = await this.repository.find(organizationId);
    const had = await this.audit.record(by, this.auditEntry('fairness-reset', organizationId, before, null), async () => {
      const removed = await this.repository.reset(organizationId);
      return { effective: removed, result: removed };
    });
    await this.cache.refresh();
    return had;
  }

  private auditEntry(
    action: 'fairness-set' | 'fairness-reset',
    organizationId: string,
    before: TenantFairnessSettings | null,
    after: TenantFairnessSettings | null,
  ): NewAuditEntry {
    const settings = (s: TenantFairnessSettings | null) =>
      s && { weight: s.weight, maxPending: s.maxPending, aiCallsPerMinute: s.aiCallsPerMinute };
    return {
      action,
      entryId: organizationId,
      sourceQueue: '*',
      jobName: '*',
      organizationId,
      beforeHash: before ? payloadHash(settings(before)) : null,
      afterHash: after ? payloadHash(settings(after)) : null,
      replayJobId: null,
      bulkId: null,
      correlationId: null,
      detail: JSON.stringify({ before: settings(before), after: settings(after) }),
    };
  }
}
