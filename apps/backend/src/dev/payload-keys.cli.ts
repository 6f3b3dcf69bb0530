import { loadConfiguration, RawEnv } from '../config/configuration';
import { DatabaseService } from '../modules/database/database.service';
import { RedisConnectionFactory } from '../modules/redis/redis-connection.factory';
import { announceDestroyed } from '../modules/jobs/sealing/payload-key-invalidation';
import { DATA_KEY_CACHE_TTL_MS, PayloadSealer } from '../modules/jobs/sealing/payload-sealer';
import { TenantDataKeysRepository } from '../modules/jobs/sealing/tenant-data-keys.repository';
import { startEmbeddedServices } from './embedded/embedded-services';

const USAGE = 'usage: npm run keys:rewrap   |   npm run keys:shred -- <organization-id> --yes';

/**
 * The payload key commands (docs/payload-encryption.md). `rewrap`: every live data key rewrapped
 * under the current (first) key of PAYLOAD_KEYS, after which older master keys can leave the ring.
 * `shred <org> --yes`: destroys that organization's data keys, so its stored payloads are unreadable
 * for good. Returns the exit code.
 */
export async function runPayloadKeysCommand(args: string[], env: RawEnv, print: (line: string) => void): Promise<number> {
  const [command, organizationId, confirm] = args;
  if (command !== 'rewrap' && !(command === 'shred' && organizationId && confirm === '--yes')) {
    print(USAGE);
    return 2;
  }
  const config = loadConfiguration(env);
  const db = new DatabaseService(config);
  try {
    const sealer = new PayloadSealer(new TenantDataKeysRepository(db), config);
    if (command === 'rewrap') {
      const { rewrapped, failed } = await sealer.rewrapAll();
      print(`rewrapped ${rewrapped} data key(s) under master key ${config.payloadKeys.currentKid}`);
      for (const f of failed) print(`not rewrapped: ${f.organizationId} v${f.version}: ${f.reason}`);
      return failed.length ? 1 : 0;
    }
    const versions = await sealer.shred(organizationId);
    if (!versions.length) {
      print(`${organizationId} has no live data key: nothing destroyed`);
      return 0;
    }
    print(`destroyed data key(s) ${versions.map((v) => `v${v}`).join(', ')} of ${organizationId}`);
    print(await announce(config, organizationId));
    return 0;
  } finally {
    await db.onApplicationShutdown();
  }
}

/** Running processes drop their cached copy now; unreachable, they do within the cache's TTL. */
async function announce(config: ReturnType<typeof loadConfiguration>, organizationId: string): Promise<string> {
  const redis = new RedisConnectionFactory(config);
  const client = redis.create('keys-cli');
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('ready', resolve);
      setTimeout(() => reject(new Error('Redis did not answer within 5 s')), 5_000).unref();
    });
    // On Cluster a PUBLISH reaches every node's subscribers; the count is the receiving node's.
    const heard = await announceDestroyed(client, config.queue.prefix, organizationId);
    return `announced to ${heard} running process(es); any other forgets its copy within ${DATA_KEY_CACHE_TTL_MS / 1000} s`;
  } catch (err) {
    return `not announced (${(err as Error).message}): running processes forget their copy within ${DATA_KEY_CACHE_TTL_MS / 1000} s`;
  } finally {
    await redis.onApplicationShutdown();
  }
}

async function main(): Promise<void> {
  const embedded = await startEmbeddedServices(process.env);
  try {
    process.exitCode = await runPayloadKeysCommand(process.argv.slice(2), embedded.env, (line) => console.log(line));
  } finally {
    await embedded.stop();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
