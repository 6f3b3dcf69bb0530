import type { Response } from 'express';
import type { JobsService, JobView } from '../jobs.service';
import type { WorkQueueName } from '../types';
import type { JobEventStreamsService, JobStreamEvent } from './job-event-streams.service';

/** A comment line every 15 s keeps proxies from closing an idle stream; it also re-reads the state. */
const SSE_HEARTBEAT_MS = 15_000;

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

interface StreamArgs {
  jobs: JobsService;
  streams: JobEventStreamsService;
  queue: WorkQueueName;
  id: string;
  organizationId: string;
  res: Response;
}

/**
 * Streams one job's events as text/event-stream until it ends or the client goes away. It
 * subscribes first and reads the state after, so an end between the two is not missed; events that
 * arrive before the state is sent wait for it. Each heartbeat also re-reads the state, in case an
 * event was lost while Redis was away. Every listener and timer is removed when the stream closes.
 */
export async function streamJobEvents({ jobs, streams, queue, id, organizationId, res }: StreamArgs): Promise<void> {
  let closed = false;
  let stateSent = false;
  const early: JobStreamEvent[] = [];
  let unsubscribe: () => void = () => undefined;
  let heartbeat: NodeJS.Timeout | undefined;

  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    unsubscribe();
    if (!res.writableEnded) res.end();
  };
  const write = (event: string, data: unknown) => {
    if (!closed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const fromView = (view: JobView) => {
    if (view.state === 'completed') write('completed', { id, result: view.result });
    else if (view.state === 'failed') write('failed', { id, failedReason: view.failedReason });
    else if (view.state === 'cancelled') write('cancelled', { id });
    if (TERMINAL.has(view.state)) close();
  };
  const relay = async (event: JobStreamEvent) => {
    if (closed) return;
    if (event.type === 'progress') return write('progress', { id, progress: event.data });
    if (event.type === 'completed') {
      write('completed', { id, result: event.result });
      return close();
    }
    // A failure or removal may be a cancellation: the marker says.
    const view = await jobs.find(queue, id, organizationId).catch(() => null);
    if (view?.state === 'cancelled') write('cancelled', { id });
    else if (event.type === 'failed') write('failed', { id, failedReason: event.failedReason });
    else write('removed', { id });
    close();
  };
  const onEvent = (event: JobStreamEvent) => {
    if (!stateSent) early.push(event);
    else void relay(event);
  };

  res.on('close', close);
  res.status(200).set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();

  try {
    unsubscribe = await streams.subscribe(queue, id, onEvent);
    if (closed) return unsubscribe();
    const view = await jobs.find(queue, id, organizationId);
    if (!view) {
      write('removed', { id });
      return close();
    }
    write('state', view);
    stateSent = true;
    if (TERMINAL.has(view.state)) return fromView(view);
    for (const event of early.splice(0)) await relay(event);
    heartbeat = setInterval(() => {
      if (closed) return;
      res.write(': heartbeat\n\n');
      void jobs
        .find(queue, id, organizationId)
        .then((v) => v && TERMINAL.has(v.state) && fromView(v))
        .catch(() => undefined);
    }, SSE_HEARTBEAT_MS);
  } catch (err) {
    write('error', { message: (err as Error).message });
    close();
  }
}
