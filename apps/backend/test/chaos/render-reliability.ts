import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RESULTS_FILE } from './report';

/**
 * Writes the figures of the last recorded chaos run into docs/RELIABILITY.md, between its
 * figures markers: one row per scenario, the newest record of each.
 */
const DOC = join(__dirname, '..', '..', '..', '..', 'docs', 'RELIABILITY.md');
const START = '<!-- figures:start -->';
const END = '<!-- figures:end -->';

function main(): void {
  if (!existsSync(RESULTS_FILE)) throw new Error(`${RESULTS_FILE} is missing: run npm run test:chaos first`);
  const latest = new Map<string, Record<string, unknown>>();
  for (const line of readFileSync(RESULTS_FILE, 'utf8').split('\n').filter(Boolean)) {
    const rec = JSON.parse(line) as Record<string, unknown>;
    latest.set(String(rec.scenario), rec);
  }
  const rows = [...latest.values()].map((rec) => {
    const { scenario, scale, at, ...figures } = rec;
    const shown = Object.entries(figures)
      .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join('<br>');
    return `| \`${String(scenario)}\` | ${String(scale)} | ${String(at).slice(0, 19).replace('T', ' ')} UTC | ${shown} |`;
  });
  const table = ['| scenario | scale | run at | figures |', '|---|---|---|---|', ...rows].join('\n');
  const doc = readFileSync(DOC, 'utf8');
  const from = doc.indexOf(START);
  const to = doc.indexOf(END);
  if (from < 0 || to < 0) throw new Error(`${DOC} has no ${START} ... ${END} markers`);
  writeFileSync(DOC, `${doc.slice(0, from + START.length)}\n${table}\n${doc.slice(to)}`);
  console.log(`wrote ${rows.length} scenarios into ${DOC}`);
}

main();
