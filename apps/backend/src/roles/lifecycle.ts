import { Logger } from '@nestjs/common';
import type { RunningApp } from './app.factory';
import type { AppConfig } from '../config/configuration';

/**
 * Graceful shutdown on SIGTERM/SIGINT: the HTTP server stops accepting requests, workers stop
 * taking jobs and finish their active ones, every connection is closed, and the process exits 0.
 * Past SHUTDOWN_TIMEOUT_MS it exits 1; jobs still active then are recovered by other workers as stalled.
 */
export function exitOnSignals(app: RunningApp, config: AppConfig, afterClose: () => Promise<void> = async () => undefined): void {
  const log = new Logger('Shutdown');
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.log(`${signal}: no new jobs are taken; waiting up to ${config.shutdownTimeoutMs} ms for active ones`);
    const timer = setTimeout(() => {
      log.error(`shutdown did not finish within ${config.shutdownTimeoutMs} ms; active jobs will be recovered as stalled`);
      void afterClose().finally(() => process.exit(1));
    }, config.shutdownTimeoutMs);
    timer.unref();
    try {
      await app.close();
      await afterClose();
      log.log('stopped cleanly');
      process.exit(0);
    } catch (err) {
      log.error(`shutdown failed: ${(err as Error).message}`);
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
