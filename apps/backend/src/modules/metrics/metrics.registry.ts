import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { AppConfig } from '../../config/configuration';
import { InjectConfig } from '../../config/app-config.module';

/**
 * One registry per application instance rather than prom-client's global one, so that two apps
 * in one process (tests) do not collide. Node's default metrics are registered here too.
 */
@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();

  constructor(@InjectConfig() config: AppConfig) {
    this.registry.setDefaultLabels({ role: config.role });
    collectDefaultMetrics({ register: this.registry });
    // Gauges named like counters, which promtool rejects; the per-type gauges without the suffix
    // (nodejs_active_handles{type=…} and friends) carry the same numbers.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
      this.registry.removeSingleMetric(name);
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
