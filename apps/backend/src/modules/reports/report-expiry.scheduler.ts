import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { REPORT_STORE, ReportStore } from './report-store';
import { ReportsRepository } from './reports.repository';

const SWEEP_INTERVAL_MS = 10 * 60_000;
const SWEEP_BATCH = 500;

/**
 * Deletes expired reports: the file first, then the record, so a sweep killed half-way leaves a
 * record that the next sweep finds again, never a file nothing points at. Every process with the
 * reports module sweeps (at start, then every ten minutes); sweeps running at once are harmless.
 */
@Injectable()
export class ReportExpiryScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ReportExpiry');
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly reports: ReportsRepository,
    @Inject(REPORT_STORE) private readonly store: ReportStore,
  ) {}

  onApplicationBootstrap(): void {
    void this.sweepLogged();
    this.timer = setInterval(() => void this.sweepLogged(), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Deletes every expired report; returns how many records went. */
  async sweep(): Promise<number> {
    let deleted = 0;
    for (;;) {
      const ids = await this.reports.expired(SWEEP_BATCH);
      for (const id of ids) await this.store.delete(id);
      deleted += await this.reports.delete(ids);
      if (ids.length < SWEEP_BATCH) return deleted;
    }
  }

  private async sweepLogged(): Promise<void> {
    if (this.running) return;
    this.running = this.sweep();
    try {
      const n = await this.running;
      if (n > 0) this.logger.log(`deleted ${n} expired report(s)`);
    } catch (err) {
      this.logger.warn(`report expiry sweep failed: ${(err as Error).message}`);
    } finally {
      this.running = undefined;
    }
  }
}
