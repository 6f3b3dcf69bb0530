import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReportStore } from './report-store';

const SAFE_ID = /^[0-9a-f-]{36}$/;

/**
 * Report files in one directory, named by report id. A file is written as `<id>.part` and renamed
 * when complete, so a reader never sees half a report and a killed writer leaves only a `.part`.
 */
export class LocalReportStore implements ReportStore {
  constructor(private readonly dir: string) {}

  async put(id: string, content: Readable, signal?: AbortSignal): Promise<number> {
    const file = this.path(id);
    await mkdir(this.dir, { recursive: true });
    const out = createWriteStream(`${file}.part`, { flags: 'w', mode: 0o600 });
    try {
      await pipeline(content, out, ...(signal ? [{ signal }] : []));
      await rename(`${file}.part`, file);
    } catch (err) {
      await rm(`${file}.part`, { force: true });
      throw err;
    }
    return (await stat(file)).size;
  }

  async get(id: string): Promise<Readable | null> {
    const file = this.path(id);
    try {
      await stat(file);
    } catch {
      return null;
    }
    return createReadStream(file);
  }

  async delete(id: string): Promise<void> {
    const file = this.path(id);
    await Promise.all([rm(file, { force: true }), rm(`${file}.part`, { force: true })]);
  }

  private path(id: string): string {
    // Ids are uuids from the reports table; anything else must never become a path.
    if (!SAFE_ID.test(id)) throw new Error(`not a report id: ${JSON.stringify(id)}`);
    return join(this.dir, id);
  }
}
