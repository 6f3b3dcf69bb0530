import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '../../../config/configuration';
import { InjectConfig } from '../../../config/app-config.module';
import { TenantWeight, TenantWeightsRepository } from './tenant-weights.repository';

export const DEFAULT_WEIGHT = 1;

/**
 * Every process's copy of the weights table, read whole every FAIRNESS_WEIGHTS_REFRESH_MS (the
 * table holds only tenants with a weight other than 1): an enqueue reads a Map, never the
 * database, and a change made through the admin API reaches every process within one refresh
 * (at once in the process that made it). A database that does not answer keeps the last weights.
 */
@Injectable()
export class TenantWeights implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(TenantWeights.name);
  private weights = new Map<string, number>();
  private rows = new Map<string, TenantWeight>();
  private timer?: NodeJS.Timeout;
  private failing = false;

  constructor(
    private readonly repository: TenantWeightsRepository,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    // Also with fairness off: the tenants' AI limits apply to workers either way.
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.config.fairness.weightsRefreshMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  of(organizationId: string): number {
    return this.weights.get(organizationId) ?? DEFAULT_WEIGHT;
  }

  /** The tenants whose weight is not the default. */
  overrides(): ReadonlyMap<string, number> {
    return this.weights;
  }

  /** The tenant's pending cap: its own, or FAIRNESS_MAX_PENDING. */
  maxPendingOf(organizationId: string): number {
    return this.rows.get(organizationId)?.maxPending ?? this.config.fairness.maxPending;
  }

  /** AI jobs the tenant may start per minute: its own limit, or FAIRNESS_AI_CALLS_PER_MINUTE (0: none). */
  aiCallsPerMinuteOf(organizationId: string): number {
    return this.rows.get(organizationId)?.aiCallsPerMinute ?? this.config.fairness.aiCallsPerMinute;
  }

  /** Whether some tenant has an AI limit of its own (workers then look up every AI job's tenant). */
  hasAiLimits(): boolean {
    for (const r of this.rows.values()) if (r.aiCallsPerMinute !== null) return true;
    return false;
  }

  async refresh(): Promise<void> {
    try {
      const rows = await this.repository.all();
      this.weights = new Map(rows.filter((r) => r.weight !== DEFAULT_WEIGHT).map((r) => [r.organizationId, r.weight]));
      this.rows = new Map(rows.map((r) => [r.organizationId, r]));
      if (this.failing) this.logger.log('tenant weights read again');
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.logger.warn(`could not read tenant weights, keeping the last ones: ${(err as Error).message}`);
      this.failing = true;
    }
  }
}
