import { Injectable } from '@nestjs/common';
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

  async set(organizationId: string, settings: TenantFairnessSettings, by: string): Promise<TenantWeight> {
    const row = await this.repository.set(organizationId, settings, by);
    await this.cache.refresh();
    return row;
  }

  async reset(organizationId: string): Promise<boolean> {
    const had = await this.repository.reset(organizationId);
    await this.cache.refresh();
    return had;
  }
}
