import type { EventEmitter } from 'node:events';

/**
 * BullMQ closes a connection that is still connecting by disconnecting it and removing all of its
 * listeners; the connect then fails, and its 'error' event, heard by nobody, is thrown by Node as an
 * unhandled rejection that ends the process (taskforcesh/bullmq#3546: a Cluster worker closed while
 * its blocking connection was still connecting, under load). Once a connection has no 'error'
 * listener left it has been closed and nobody is left to tell: such an error is dropped. While it
 * has listeners, every error reaches them as before.
 */
export function dropErrorsNobodyHears(connection: EventEmitter): void {
  const emit = connection.emit.bind(connection);
  connection.emit = (event: string | symbol, ...args: unknown[]): boolean =>
    event === 'error' && connection.listenerCount('error') === 0 ? false : emit(event, ...args);
}

/** A BullMQ Queue's or Worker's own connections (BullMQ keeps them protected or private). */
export function bullConnectionsOf(owner: object): EventEmitter[] {
  const { connection, blockingConnection } = owner as { connection?: EventEmitter; blockingConnection?: EventEmitter };
  return [connection, blockingConnection].filter((c): c is EventEmitter => c !== undefined);
}
