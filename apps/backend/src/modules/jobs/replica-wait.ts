import { RedisClient, RedisConnectionFactory } from '../redis/redis-connection.factory';

/**
 * Redis acknowledges a write before any replica has it: a primary killed in that window takes the
 * write with it, and the replica promoted in its place never had it. WAIT blocks until `replicas`
 * replicas have every write made so far on this connection, or `timeoutMs` passed, and answers
 * how many had them. It is sent on the connection that made the add: on Cluster, the client's
 * connection to the master of the queue's slot (`key`, any key of the queue).
 */
export async function waitForReplicas(client: RedisClient, key: string, replicas: number, timeoutMs: number): Promise<number> {
  return (await RedisConnectionFactory.nodeFor(client, key).call('WAIT', String(replicas), String(timeoutMs))) as number;
}
