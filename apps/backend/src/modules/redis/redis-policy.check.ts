import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { RedisClient, RedisConnectionFactory } from './redis-connection.factory';

/**
 * BullMQ keeps jobs as ordinary keys: a Redis allowed to evict keys under memory pressure deletes
 * jobs silently. Returns the warning to give, or null when the policy is safe or cannot be read
 * (managed services may refuse CONFIG).
 */
export async function evictionWarning(client: RedisClient): Promise<string | null> {
  // On Cluster each master has its own setting.
  const policies = await Promise.all(
    RedisConnectionFactory.masters(client).map(async (node) => {
      try {
        const [, policy] = (await node.config('GET', 'maxmemory-policy')) as [string, string];
        return policy && policy !== 'noeviction' ? policy : null;
      } catch {
        return null;
      }
    }),
  );
  const evicting = [...new Set(policies.filter((p): p is string => p !== null))];
  if (evicting.length === 0) return null;
  return `Redis maxmemory-policy is "${evicting.join('", "')}": under memory pressure Redis will delete queued jobs. Set maxmemory-policy noeviction.`;
}

@Injectable()
export class RedisPolicyCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger('Redis');

  constructor(private readonly redis: RedisConnectionFactory) {}

  onApplicationBootstrap(): void {
    // Not awaited: a Redis that is down at boot must not hold up the start; producers answer 503 meanwhile.
    const client = this.redis.producer();
    const check = async () => {
      const warning = await evictionWarning(client);
      if (warning) this.logger.warn(warning);
    };
    if (client.status === 'ready') void check();
    else client.once('ready', () => void check());
  }
}
