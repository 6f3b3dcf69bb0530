import type { AppConfig } from '../../config/configuration';
import { ConfigValidationError } from '../../config/configuration';
import { RedisConnectionFactory } from './redis-connection.factory';

/** What Redis (or a sentinel) answers to credentials it does not take: AUTH, HELLO, an ACL user without rights. */
const REFUSED = /WRONGPASS|NOAUTH|NOPERM|invalid username-password|invalid password|AUTH <password> called without any password/i;

export type RedisProbe = { reachable: true } | { reachable: false; reason: string };

function refusal(err: Error & { lastNodeError?: Error }): string | undefined {
  for (const e of [err, err.lastNodeError]) if (e && REFUSED.test(e.message)) return e.message;
  return undefined;
}

/** The variables that hold the credentials of this deployment's Redis, for the message. */
function credentialVariables(config: AppConfig): string {
  const names = ['REDIS_URL', 'REDIS_USERNAME', 'REDIS_PASSWORD'];
  if (config.redis.sentinel) names.push('REDIS_SENTINEL_USERNAME', 'REDIS_SENTINEL_PASSWORD');
  return names.join(', ');
}

/**
 * One connection before anything else starts. Credentials Redis refuses stop the start with a
 * message naming the variables to fix (BullMQ would otherwise wait for a connection that can never
 * become ready, silently). A Redis that does not answer does not: the process starts, producers
 * answer 503 and workers wait until it is back; the caller logs the reason.
 */
export async function probeRedis(config: AppConfig, timeoutMs = 3_000): Promise<RedisProbe> {
  const factory = new RedisConnectionFactory(config);
  const client = factory.create('startup-probe');
  try {
    return await new Promise<RedisProbe>((resolve, reject) => {
      const timer = setTimeout(() => resolve({ reachable: false, reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
      client.once('ready', () => {
        clearTimeout(timer);
        resolve({ reachable: true });
      });
      client.on('error', (err: Error) => {
        const refused = refusal(err);
        clearTimeout(timer);
        if (refused) {
          reject(
            new ConfigValidationError([`Redis refused this deployment's credentials (${refused}): check ${credentialVariables(config)}`]),
          );
        } else {
          resolve({ reachable: false, reason: err.message });
        }
      });
    });
  } finally {
    await factory.onApplicationShutdown();
  }
}
