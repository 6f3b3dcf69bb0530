import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { LocalRequest, LocalResponse } from './local.thread';
import { startModuleThread } from './module-thread';

type Request = LocalRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

interface Pending {
  resolve: (text: string | null) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class LocalThreadTimeoutError extends Error {
  constructor(ms: number) {
    super(`local provider did not answer within ${ms} ms`);
    this.name = 'LocalThreadTimeoutError';
  }
}

/**
 * The offline provider's CPU-bound work runs in one worker thread, so that in APP_ROLE=all it
 * never blocks the HTTP event loop (nor, in workers, lock renewal). The thread starts on first
 * use; one that overruns its timeout is replaced, as a busy thread cannot be interrupted.
 */
@Injectable()
export class LocalThreadPool implements OnApplicationShutdown {
  private readonly logger = new Logger('AiLocalThread');
  private thread?: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  run(request: Request, timeoutMs: number): Promise<string | null> {
    const thread = this.ensureThread();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new LocalThreadTimeoutError(timeoutMs));
        this.replace(thread, new LocalThreadTimeoutError(timeoutMs));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      thread.postMessage({ ...request, id });
    });
  }

  async onApplicationShutdown(): Promise<void> {
    const thread = this.thread;
    this.thread = undefined;
    this.failAll(new Error('local provider is shutting down'));
    await thread?.terminate();
  }

  private ensureThread(): Worker {
    if (this.thread) return this.thread;
    const thread = startModuleThread(join(__dirname, 'local.thread'));
    thread.unref();
    thread.on('message', (res: LocalResponse) => {
      const p = this.pending.get(res.id);
      if (!p) return;
      this.pending.delete(res.id);
      clearTimeout(p.timer);
      if (res.ok) p.resolve(res.text);
      else p.reject(new Error(`local provider failed (${res.error})`));
    });
    thread.on('error', (err) => this.replace(thread, err));
    thread.on('exit', (code) => {
      if (this.thread === thread) this.replace(thread, new Error(`local provider thread exited with code ${code}`));
    });
    this.thread = thread;
    return thread;
  }

  private replace(thread: Worker, reason: Error): void {
    if (this.thread !== thread) return;
    this.thread = undefined;
    this.logger.warn(`restarting the local provider thread: ${reason.message}`);
    this.failAll(reason);
    void thread.terminate();
  }

  private failAll(reason: Error): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(reason);
      this.pending.delete(id);
    }
  }
}
