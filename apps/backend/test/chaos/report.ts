import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FULL } from './scale';

/** Full runs append each scenario's figures to apps/bench/results/chaos.jsonl (beside the benchmarks' results); docs/RELIABILITY.md is rendered from it. */
export const RESULTS_FILE = join(__dirname, '..', '..', '..', 'bench', 'results', 'chaos.jsonl');

export function record(scenario: string, figures: Record<string, unknown>): void {
  const line = { scenario, scale: FULL ? 'full' : 'short', at: new Date().toISOString(), ...figures };
  if (process.env.CHAOS_RECORD === '1') {
    mkdirSync(dirname(RESULTS_FILE), { recursive: true });
    appendFileSync(RESULTS_FILE, `${JSON.stringify(line)}\n`);
  }
  console.log(`[chaos] ${JSON.stringify(line)}`);
}
