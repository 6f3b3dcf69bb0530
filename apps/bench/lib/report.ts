import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { join } from 'node:path';
import type { Benchmark, ChartSink, MachineInfo, StoredResult } from './bench';
import type { BenchServers } from './servers';

export const REPO = join(__dirname, '..', '..', '..');
export const RESULTS_DIR = join(__dirname, '..', 'results');
export const DOCS = join(REPO, 'docs');
export const CHARTS_DIR = join(DOCS, 'bench');

export function machineInfo(servers: BenchServers): MachineInfo {
  const c = cpus();
  return {
    os: `${type()} ${release()}`,
    cpus: c[0]?.model ?? 'unknown',
    cores: c.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    redis: servers.versions.redis,
    postgres: servers.versions.postgres,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export function saveResult(stored: StoredResult): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, `${stored.name}.json`), `${JSON.stringify(stored, null, 2)}\n`);
}

export function loadResults(): Map<string, StoredResult> {
  const out = new Map<string, StoredResult>();
  if (!existsSync(RESULTS_DIR)) return out;
  for (const f of readdirSync(RESULTS_DIR).filter((f) => f.endsWith('.json'))) {
    const stored = JSON.parse(readFileSync(join(RESULTS_DIR, f), 'utf8')) as StoredResult;
    out.set(stored.name, stored);
  }
  return out;
}

/** docs/BENCHMARKS.md from every stored result, in the benchmarks' order; charts beside it. */
export function writeReport(benchmarks: Benchmark[], header: (results: StoredResult[]) => string): string {
  mkdirSync(CHARTS_DIR, { recursive: true });
  const charts: ChartSink = {
    save: (file, svg, alt) => {
      writeFileSync(join(CHARTS_DIR, file), `${svg}\n`);
      return `![${alt}](bench/${file})`;
    },
  };
  const stored = loadResults();
  const present = benchmarks.filter((b) => stored.has(b.name));
  const sections = benchmarks.map((b) => {
    const s = stored.get(b.name);
    if (!s) return `## ${b.title}\n\nNot measured yet: run \`npm run bench\`.\n`;
    const when = `Measured ${s.finishedAt.replace('T', ' ').slice(0, 16)} UTC${s.quick ? ' (BENCH_QUICK: smoke size, not a reference figure)' : ''}, ${s.rounds} rounds, load average before the run ${s.machine.loadAverage.join(' / ')}.`;
    return `## ${b.title}\n\n${when}\n\n${b.render(s.result as never, charts)}\n`;
  });
  const summary = [
    '## Summary',
    '',
    '| figure | value: median (min–max over rounds) | target | verdict |',
    '|---|---|---|---|',
    ...present.flatMap((b) =>
      b
        .headline(stored.get(b.name)!.result as never)
        .map((h) => `| ${h.figure} | ${h.value} | ${h.target} | ${h.verdict === 'miss' ? '**miss**' : h.verdict} |`),
    ),
    '',
  ].join('\n');
  const text = `${header(present.map((b) => stored.get(b.name)!))}\n${summary}\n${sections.join('\n')}`;
  const file = join(DOCS, 'BENCHMARKS.md');
  writeFileSync(file, text);
  return file;
}
