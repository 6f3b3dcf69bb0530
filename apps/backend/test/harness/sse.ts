/** One server-sent event as a test saw it, with the time it arrived. */
export interface SseEvent {
  event: string;
  data: unknown;
  at: number;
}

export interface SseStream {
  status: number;
  events: SseEvent[];
  /** Resolves when the server closes the stream. */
  ended: Promise<void>;
  close(): void;
}

/** Opens an event stream with fetch and collects its events (comments such as heartbeats are skipped). */
export async function openSse(url: string, headers: Record<string, string>): Promise<SseStream> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { ...headers, Accept: 'text/event-stream' }, signal: abort.signal });
  const events: SseEvent[] = [];
  const ended = (async () => {
    if (!res.ok || !res.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = block.split('\n');
          const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
          const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
          if (event && data !== undefined) events.push({ event, data: JSON.parse(data), at: Date.now() });
        }
      }
    } catch (err) {
      if ((err as Error).name !== 'AbortError') throw err;
    }
  })();
  return { status: res.status, events, ended, close: () => abort.abort() };
}
