import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { startApp } from './roles/app.factory';
import { ConfigValidationError, loadConfiguration } from './config/configuration';
import { resolveWorkerQueues } from './modules/jobs/queues';
import { startEmbeddedServices } from './dev/embedded/embedded-services';
import { exitOnSignals } from './roles/lifecycle';
import { migrate } from './modules/database/migrate';
import { loadDotEnv } from './dev/dot-env';

async function main(): Promise<void> {
  const log = new Logger('Main');
  loadDotEnv();
  const embedded = await startEmbeddedServices(process.env);
  embedded.notes.forEach((n) => log.log(n));
  try {
    const config = loadConfiguration(embedded.env);
    if (config.env === 'test' && !config.testHarness) {
      // NODE_ENV=test lifts every production rule (secrets, SMTP): a deployment must not run with it by mistake.
      throw new ConfigValidationError([
        'NODE_ENV: NODE_ENV=test is reserved for the test harness (which sets ETHICO_TEST_HARNESS=true); use production or development',
      ]);
    }
    const consumed = resolveWorkerQueues(config.workerQueues);
    if (config.admin.passwordGenerated && config.role !== 'worker') {
      // Printed once, so a developer can open the dashboard; production refuses to start without one.
      log.warn(`ADMIN_PASSWORD is not set; generated for this run: user "${config.admin.username}", password "${config.admin.password}"`);
    }
    log.log(`role ${config.role}${config.role !== 'api' ? `, consuming ${consumed.join(', ')}` : ''}`);
    const applied = await migrate(config.database.url, (m) => log.debug(m));
    if (applied.length) log.log(`applied migrations: ${applied.join(', ')}`);
    const app = await startApp(config);
    exitOnSignals(app, config, embedded.stop);
  } catch (err) {
    await embedded.stop();
    throw err;
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigValidationError ? err.message : err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
