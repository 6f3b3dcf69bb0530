import { ConfigValidationError, loadConfiguration } from './configuration';

const env = { DATABASE_URL: 'postgres://localhost/x', ADMIN_PASSWORD: 'pair-password-123' };

describe('fairness configuration', () => {
  it('defaults to fair order, a 100,000-job pending cap and no caps on workers', () => {
    expect(loadConfiguration(env).fairness).toEqual({
      enabled: true,
      maxPending: 100_000,
      retryAfterSeconds: 10,
      weightsRefreshMs: 5_000,
      tenantConcurrency: {},
      aiCallsPerMinute: 0,
      capRetryMs: 250,
      metricsTopK: 10,
    });
  });

  it('reads per-queue concurrency caps', () => {
    const config = loadConfiguration({ ...env, FAIRNESS_TENANT_CONCURRENCY: 'ai-processing=2, indexing=10' });
    expect(config.fairness.tenantConcurrency).toEqual({ 'ai-processing': 2, indexing: 10 });
  });

  it.each([
    ['FAIRNESS_TENANT_CONCURRENCY', 'ai-processing'],
    ['FAIRNESS_TENANT_CONCURRENCY', 'ai-processing=0'],
    ['FAIRNESS_MAX_PENDING', '-1'],
    ['FAIRNESS_ENABLED', 'maybe'],
    ['FAIRNESS_METRICS_TOP_K', '0'],
  ])('refuses %s=%s naming the variable', (variable, value) => {
    expect(() => loadConfiguration({ ...env, [variable]: value })).toThrow(ConfigValidationError);
    expect(() => loadConfiguration({ ...env, [variable]: value })).toThrow(new RegExp(`${variable}:`));
  });
});
