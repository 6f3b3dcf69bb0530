import { Injectable } from '@nestjs/common';
import type { AppConfig } from '../../../config/configuration';
import { InjectConfig } from '../../../config/app-config.module';

export const OTHER_TENANTS = 'other';

/**
 * Which tenants get a label of their own in the per-tenant metrics: per queue, the top k by pending
 * jobs at the last scrape; every other tenant is `other`. A process names at most 2k tenants per
 * queue over its life (series, once created, stay), so the cardinality is bounded whatever the
 * number of tenants.
 */
@Injectable()
export class TenantLabels {
  private readonly top = new Map<string, Set<string>>();
  private readonly named = new Map<string, Set<string>>();

  constructor(@InjectConfig() private readonly config: AppConfig) {}

  get k(): number {
    return this.config.fairness.metricsTopK;
  }

  label(queue: string, organizationId: string): string {
    return this.top.get(queue)?.has(organizationId) ? organizationId : OTHER_TENANTS;
  }

  /** The queue's tenants, most pending first: the first k that may still be named become the labelled ones. */
  update(queue: string, tenants: readonly string[]): string[] {
    let named = this.named.get(queue);
    if (!named) this.named.set(queue, (named = new Set()));
    const chosen: string[] = [];
    for (const t of tenants) {
      if (chosen.length === this.k) break;
      if (t === OTHER_TENANTS) continue;
      if (named.has(t) || named.size < 2 * this.k) {
        named.add(t);
        chosen.push(t);
      }
    }
    this.top.set(queue, new Set(chosen));
    return chosen;
  }
}
