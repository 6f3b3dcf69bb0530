import { loadConfiguration } from '../../backend/src/config/configuration';
import { DatabaseService } from '../../backend/src/modules/database/database.service';
import { PayloadSealer } from '../../backend/src/modules/jobs/sealing/payload-sealer';
import { TenantDataKeysRepository } from '../../backend/src/modules/jobs/sealing/tenant-data-keys.repository';
import { appEnv } from './env';
import type { BenchServers } from './servers';

/** The backend's sealer with the benchmarks' master key, on the private PostgreSQL (its data keys live there). */
export function benchSealer(servers: BenchServers): { sealer: PayloadSealer; close(): Promise<void> } {
  const config = loadConfiguration(appEnv(servers));
  const db = new DatabaseService(config);
  return { sealer: new PayloadSealer(new TenantDataKeysRepository(db), config), close: () => db.onApplicationShutdown() };
}
