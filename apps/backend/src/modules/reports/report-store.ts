import type { Readable } from 'node:stream';

/**
 * Where report files live, by report id. The default is a local directory (LocalReportStore); a
 * deployment with several hosts points REPORTS_DIR at a shared volume, or binds another store here.
 */
export interface ReportStore {
  /** Stores the stream's bytes under `id`, whole or not at all; resolves with the byte count. Aborting discards it. */
  put(id: string, content: Readable, signal?: AbortSignal): Promise<number>;
  /** The stored bytes, or null when there are none. */
  get(id: string): Promise<Readable | null>;
  /** Idempotent. */
  delete(id: string): Promise<void>;
}

export const REPORT_STORE = Symbol('REPORT_STORE');
