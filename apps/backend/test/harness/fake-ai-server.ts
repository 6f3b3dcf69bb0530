import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * Local HTTP servers speaking the Anthropic Messages and OpenAI chat-completions wire formats,
 * for the real SDKs to call. Each request is answered by the next queued reply, or the standing one.
 */
export type FakeReply =
  | { ok: string; inputTokens?: number; outputTokens?: number }
  | { status: number; errorType?: string; retryAfter?: string; retryAfterMs?: string }
  | { hang: true };

export interface ReceivedRequest {
  at: number;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

export type FakeFlavor = 'anthropic' | 'openai';

export class FakeAiServer {
  readonly requests: ReceivedRequest[] = [];
  private queued: FakeReply[] = [];
  private standing: FakeReply = { ok: 'fake answer' };
  private readonly sockets = new Set<Socket>();
  private server?: Server;
  private port = 0;

  constructor(readonly flavor: FakeFlavor) {}

  /** The base URL to configure the SDK with. */
  get url(): string {
    return this.flavor === 'openai' ? `http://127.0.0.1:${this.port}/v1` : `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** Answers every request like this from now on (after any queued replies). */
  always(reply: FakeReply): this {
    this.standing = reply;
    return this;
  }

  /** Answers the next requests like these, in order. */
  next(...replies: FakeReply[]): this {
    this.queued.push(...replies);
    return this;
  }

  reset(): this {
    this.requests.length = 0;
    this.queued = [];
    this.standing = { ok: 'fake answer' };
    return this;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    this.requests.push({ at: Date.now(), path: req.url ?? '', headers: req.headers, body });
    const expected = this.flavor === 'anthropic' ? '/v1/messages' : '/v1/chat/completions';
    if (req.method !== 'POST' || req.url !== expected) {
      return this.send(res, 404, this.errorBody(404, 'not_found_error'));
    }
    const reply = this.queued.shift() ?? this.standing;
    if ('hang' in reply) return; // never answers; the socket is destroyed on stop()
    if ('status' in reply) {
      const headers: Record<string, string> = {};
      if (reply.retryAfter !== undefined) headers['retry-after'] = reply.retryAfter;
      if (reply.retryAfterMs !== undefined) headers['retry-after-ms'] = reply.retryAfterMs;
      return this.send(res, reply.status, this.errorBody(reply.status, reply.errorType), headers);
    }
    const usage = { input: reply.inputTokens ?? 100, output: reply.outputTokens ?? 20 };
    const model = String(body.model);
    if (this.flavor === 'anthropic') {
      return this.send(res, 200, {
        id: `msg_${this.requests.length}`,
        type: 'message',
        role: 'assistant',
        model,
        content: [{ type: 'text', text: reply.ok }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: usage.input, output_tokens: usage.output },
      });
    }
    return this.send(res, 200, {
      id: `chatcmpl-${this.requests.length}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: reply.ok, refusal: null }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output },
    });
  }

  private errorBody(status: number, type?: string): unknown {
    const t = type ?? (status === 429 ? 'rate_limit_error' : status >= 500 ? 'api_error' : 'invalid_request_error');
    return this.flavor === 'anthropic'
      ? { type: 'error', error: { type: t, message: `fake ${status}` } }
      : { error: { message: `fake ${status}`, type: t, param: null, code: null } };
  }

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }
}

export async function startFakeAiServers(): Promise<{ anthropic: FakeAiServer; openai: FakeAiServer; stop(): Promise<void> }> {
  const [anthropic, openai] = await Promise.all([new FakeAiServer('anthropic').start(), new FakeAiServer('openai').start()]);
  return { anthropic, openai, stop: async () => void (await Promise.all([anthropic.stop(), openai.stop()])) };
}
