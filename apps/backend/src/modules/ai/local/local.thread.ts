import * as os from 'node:os';
import { parentPort } from 'node:worker_threads';
import { categorize, CategoryTerms, cleanupNote, summarize } from './local-algorithms';

/**
 * This thread's nice value above the process's: its CPU-bound work yields the cores to request
 * handling and the workers' event loops. On Linux a nice value belongs to a thread, so this
 * lowers this thread only; where the call is refused the thread runs at the process's priority.
 */
const LOCAL_THREAD_NICE = 10;
try {
  os.setPriority(0, Math.min(19, os.getPriority(0) + LOCAL_THREAD_NICE));
} catch {
  // not permitted or not supported here
}

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
