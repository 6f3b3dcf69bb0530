import { parentPort } from 'node:worker_threads';
import { categorize, CategoryTerms, cleanupNote, summarize } from './local-algorithms';

/** The thread's side of LocalThreadPool: one request at a time, answered by id. */
export type LocalRequest =
  | { id: number; op: 'summarize'; text: string; maxChars: number }
  | { id: number; op: 'categorize'; text: string; categories: CategoryTerms[] }
  | { id: number; op: 'cleanup'; text: string };

export type LocalResponse = { id: number; ok: true; text: string | null } | { id: number; ok: false; error: string };

function handle(req: LocalRequest): string | null {
  switch (req.op) {
    case 'summarize':
      return summarize(req.text, req.maxChars);
    case 'categorize':
      return categorize(req.text, req.categories).category;
    case 'cleanup':
      return cleanupNote(req.text);
  }
}

parentPort?.on('message', (req: LocalRequest) => {
  let res: LocalResponse;
  try {
    res = { id: req.id, ok: true, text: handle(req) };
  } catch (err) {
    res = { id: req.id, ok: false, error: (err as Error).name };
  }
  parentPort!.postMessage(res);
});
