import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '../../../config/configuration';
import { InjectConfig } from '../../../config/app-config.module';
import { TenantWeightsRepository } from './tenant-weights.repository';

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
  private timer?: NodeJS.Timeout;
  private failing = false;

  constructor(
    private readonly repository: TenantWeightsRepository,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.config.fairness.enabled) return;
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

  async refresh(): Promise<void> {
    try {
      const rows = await this.repository.all();
      this.weights = new Map(rows.map((r) => [r.organizationId, r.weight]));
      if (this.failing) this.logger.log('tenant weights read again');
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.logger.warn(`could not read tenant weights, keeping the last ones: ${(err as Error).message}`);
      this.failing = true;
    }
  }
}
