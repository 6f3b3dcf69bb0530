import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { startApp } from './app.factory';
import { ConfigValidationError, loadConfiguration } from './config/configuration';
import { startEmbeddedServices } from './embedded/embedded-services';
import { migrate } from './modules/database/migrate';

async function main(): Promise<void> {
  const log = new Logger('Main');
  const embedded = await startEmbeddedServices(process.env);
  embedded.notes.forEach((n) => log.log(n));
  const config = loadConfiguration(embedded.env);
  if (config.admin.passwordGenerated && config.role !== 'worker') {
    // Printed once, so a developer can open the dashboard; production refuses to start without one.
    log.warn(`ADMIN_PASSWORD is not set; generated for this run: user "${config.admin.username}", password "${config.admin.password}"`);
  }
  log.log(`role ${config.role}${config.role !== 'api' ? `, consuming ${config.workerQueues.join(', ')}` : ''}`);
  const applied = await migrate(config.database.url, (m) => log.debug(m));
  if (applied.length) log.log(`applied migrations: ${applied.join(', ')}`);
  const app = await startApp(config);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.log(`${signal}: no new jobs are taken; waiting up to ${config.shutdownTimeoutMs} ms for active ones`);
    const timer = setTimeout(() => {
      log.error(`shutdown did not finish within ${config.shutdownTimeoutMs} ms; active jobs will be recovered as stalled`);
      void embedded.stop().finally(() => process.exit(1));
    }, config.shutdownTimeoutMs);
    try {
      await app.close();
      await embedded.stop();
      clearTimeout(timer);
      process.exit(0);
    } catch (err) {
      log.error(`shutdown failed: ${(err as Error).message}`);
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigValidationError) {
    console.error(err.message);
  } else {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  }
  process.exit(1);
});
