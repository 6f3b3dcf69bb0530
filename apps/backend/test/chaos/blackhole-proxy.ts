import { createConnection, createServer, Server, Socket } from 'node:net';

/**
 * A TCP proxy in front of Redis that, while `wedge` is on, swallows every connection that issues
 * a blocking pop (BZPOPMIN: a BullMQ worker's blocking connection) from that command on, in both
 * directions, and every reconnect of it the same way. The socket stays open and accepts writes,
 * as a half-dead connection behind a NAT or load balancer does, and every other connection (the
 * producers, the worker's command connection, health checks) works: exactly the wedge that
 * `isRunning()` does not see. Off again, new connections pass.
 */
export class BlackholeProxy {
  wedge = false;
  /** Connections swallowed so far. */
  swallowed = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<BlackholeProxy> {
    const started: { proxy?: BlackholeProxy } = {};
    const server = createServer((client) => started.proxy!.pipe(client, target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    started.proxy = new BlackholeProxy(server, (server.address() as { port: number }).port);
    return started.proxy;
  }

  private pipe(client: Socket, target: { host: string; port: number }): void {
    const upstream = createConnection(target);
    this.sockets.add(client).add(upstream);
    let swallowed = false;
    client.on('data', (chunk: Buffer) => {
      if (!swallowed && this.wedge && /bzpopmin/i.test(chunk.toString('latin1'))) {
        swallowed = true;
        this.swallowed++;
      }
      if (!swallowed) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!swallowed) client.write(chunk);
    });
    // A swallowed connection never closes cleanly: its FIN goes nowhere; only a destroy ends it here.
    client.on('end', () => (swallowed ? undefined : upstream.end()));
    upstream.on('end', () => (swallowed ? undefined : client.end()));
    const drop = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('close', drop).on('error', drop);
    upstream.on('close', drop).on('error', drop);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
