import { loadConfiguration } from '../config/configuration';
import { startEmbeddedServices } from './embedded/embedded-services';
import { migrate } from '../modules/database/migrate';
import { loadDotEnv } from './dot-env';

/** `npm run db:migrate`: applies pending migrations to DATABASE_URL (or the embedded server). */
async function main(): Promise<void> {
  // The same .env as `npm start`: otherwise the migrations would go to another database than the app's.
  loadDotEnv();
  const embedded = await startEmbeddedServices(process.env);
  try {
    const config = loadConfiguration(embedded.env);
    const applied = await migrate(config.database.url, (m) => console.log(m));
    console.log(applied.length ? `applied ${applied.join(', ')}` : 'no pending migrations');
  } finally {
    await embedded.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
