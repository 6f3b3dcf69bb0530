import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { parse } from 'yaml';
import { freePort } from '../src/dev/embedded/processes';
import { startTestApp, TestApp } from './harness/app';
import { bearer } from './harness/http';
import { eventually } from './harness/wait';

/**
 * Every expression of deploy/grafana/ethico-jobs.json, evaluated by a real Prometheus scraping the
 * real application after traffic that gives one route several codes of one status class (the case
 * the "Requests by status class" panel used to fail on: duplicate series after label_replace).
 * Needs the `prometheus` binary (PATH or PROMETHEUS_BIN); CI installs it, elsewhere the test says
 * it is skipped.
 */
const DASHBOARD = join(__dirname, '..', '..', '..', 'deploy', 'grafana', 'ethico-jobs.json');
const ALERTS = join(__dirname, '..', '..', '..', 'deploy', 'prometheus', 'ethico-alerts.yml');
const PROMETHEUS = process.env.PROMETHEUS_BIN ?? (spawnSync('which', ['prometheus'], { encoding: 'utf8' }).stdout.trim() || undefined);

interface Panel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

function dashboardExpressions(file = DASHBOARD): { panel: string; expr: string }[] {
  const dashboard = JSON.parse(readFileSync(file, 'utf8')) as { panels: Panel[] };
  const out: { panel: string; expr: string }[] = [];
  const walk = (panels: Panel[]) => {
    for (const p of panels) {
      for (const t of p.targets ?? []) if (t.expr) out.push({ panel: p.title ?? '(untitled)', expr: t.expr });
      walk(p.panels ?? []);
    }
  };
  walk(dashboard.panels);
  return out;
}

/** Grafana's own variables, as Grafana would substitute them before sending the query. */
const grafanaSubstituted = (expr: string) => expr.replace(/\$__rate_interval|\$__interval/g, '1m');

const describeWithPrometheus = PROMETHEUS ? describe : describe.skip;
if (!PROMETHEUS) {
  console.warn('grafana-dashboard.test.ts skipped: no prometheus binary on PATH (apt-get install prometheus, or PROMETHEUS_BIN=...)');
}

/** The alerting rules of deploy/prometheus/ethico-alerts.yml, by alert name. */
function alertExpressions(): { panel: string; expr: string }[] {
  const file = parse(readFileSync(ALERTS, 'utf8')) as { groups: { rules: { alert?: string; expr?: string }[] }[] };
  return file.groups.flatMap((g) => g.rules.map((r) => ({ panel: `alert ${r.alert ?? '(unnamed)'}`, expr: r.expr ?? '' })));
}

describe('the dashboard file', () => {
  it('has expressions to check', () => {
    expect(dashboardExpressions().length).toBeGreaterThan(10);
  });

  it('has the tenant fairness panels and a starvation alert on the per-tenant metrics', () => {
    const exprs = dashboardExpressions().map((e) => e.expr);
    expect(exprs.some((e) => e.includes('ethico_tenant_pending_jobs'))).toBe(true);
    expect(exprs.some((e) => e.includes('ethico_tenant_job_wait_seconds_bucket'))).toBe(true);
    const starved = alertExpressions().find((a) => a.panel === 'alert TenantStarved');
    expect(starved?.expr).toMatch(/ethico_tenant_job_wait_seconds_bucket/);
  });
});

const promtool = spawnSync('promtool', ['--version']).status === 0;
(promtool ? it : it.skip)('the alert rules pass promtool check rules (skipped only when promtool is not installed)', () => {
  const check = spawnSync('promtool', ['check', 'rules', ALERTS], { encoding: 'utf8' });
  expect(check.stdout + check.stderr).toMatch(/SUCCESS/);
  expect(check.status).toBe(0);
});

describeWithPrometheus('Grafana dashboard against a real Prometheus', () => {
  let app: TestApp;
  let prometheus: ChildProcess;
  let promUrl: string;
  const org = `org-grafana-${Date.now()}`;

  beforeAll(async () => {
    app = await startTestApp({ APP_ROLE: 'all' });
    const target = new URL(app.url!);
    // Two codes of one class on one route: 400 and 401 on POST /api/v1/cases; 200 and 201 elsewhere.
    const api = () => request(app.url!);
    await api().post('/api/v1/cases').set(bearer(org)).send({});
    await api().post('/api/v1/cases').send({ title: 'no token' });
    const created = await api().post('/api/v1/cases').set(bearer(org)).send({ title: 'Scraped' });
    await api().get(`/api/v1/cases/${created.body.id}`).set(bearer(org));
    await api().delete(`/api/v1/cases/${created.body.id}`).set(bearer(org));

    const dir = mkdtempSync(join(process.env.TEST_TMP_DIR ?? '/tmp', 'prometheus-'));
    const port = await freePort();
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        'scrape_configs:',
        '  - job_name: ethico-api',
        '    metrics_path: /metrics',
        `    static_configs: [{ targets: ['${target.host}'], labels: { role: all } }]`,
        '',
      ].join('\n'),
    );
    prometheus = spawn(
      PROMETHEUS!,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: 'ignore' },
    );
    promUrl = `http://127.0.0.1:${port}`;
    // rate() needs two samples of each series: wait for a few scrapes.
    await eventually(async () => {
      const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent('count_over_time(up{job="ethico-api"}[1m])')}`).catch(
        () => undefined,
      );
      const body = res?.ok ? ((await res.json()) as { data: { result: { value: [number, string] }[] } }) : undefined;
      return Number(body?.data.result[0]?.value[1] ?? 0) >= 4;
    }, 30_000);
  }, 60_000);

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((r) => prometheus.once('exit', r));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await app?.close();
  });

  it('evaluates every panel expression and alert rule without an error or a warning', async () => {
    const problems: string[] = [];
    for (const { panel, expr } of [...dashboardExpressions(), ...alertExpressions()]) {
      const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(grafanaSubstituted(expr))}`);
      const body = (await res.json()) as { status: string; error?: string; warnings?: string[] };
      if (body.status !== 'success') problems.push(`${panel}: ${expr}\n  ${body.error}`);
      else if (body.warnings?.length) problems.push(`${panel}: ${expr}\n  warnings: ${body.warnings.join('; ')}`);
    }
    expect(problems).toEqual([]);
  });

  it('the status-class panel shows 2xx and 4xx with the requests made', async () => {
    const { expr } = dashboardExpressions().find((e) => e.panel === 'Requests by status class')!;
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as { data: { result: { metric: Record<string, string> }[] } };
    const classes = body.data.result.map((r) => Object.values(r.metric).join(','));
    expect(classes).toEqual(expect.arrayContaining(['2xx', '4xx']));
  });
});
