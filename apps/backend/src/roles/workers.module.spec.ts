import { loadConfiguration } from '../config/configuration';
import { tenantCapsOf } from './workers.module';

const env = { DATABASE_URL: 'postgres://localhost/x', ADMIN_PASSWORD: 'pair-password-123' };
const weights = (own: Record<string, number>, configured: number) => ({ aiCallsPerMinuteOf: (org: string) => own[org] ?? configured });

describe('per-tenant caps on workers', () => {
  it('checks nothing on a queue without caps', () => {
    const config = loadConfiguration(env);
    expect(tenantCapsOf(config, weights({}, 0), 'email', 'org-1')).toBeNull();
    expect(tenantCapsOf(config, weights({}, 0), 'ai-processing', 'org-1')).toBeNull();
  });

  it('takes the queue’s concurrency cap and the tenant’s own AI limit, else the configured one', () => {
    const config = loadConfiguration({ ...env, FAIRNESS_TENANT_CONCURRENCY: 'ai-processing=2', FAIRNESS_CAP_RETRY_MS: '100' });
    const w = weights({ 'org-gold': 600 }, 60);
    expect(tenantCapsOf(config, w, 'ai-processing', 'org-gold')).toEqual({
      concurrency: 2,
      perWindow: 600,
      windowMs: 60_000,
      retryMs: 100,
    });
    expect(tenantCapsOf(config, w, 'ai-processing', 'org-std')).toEqual({ concurrency: 2, perWindow: 60, windowMs: 60_000, retryMs: 100 });
    // The AI limit is the AI queue's only.
    expect(tenantCapsOf(config, w, 'indexing', 'org-gold')).toBeNull();
  });
});
