import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeProvider {
  baseUrl: string;
  calls(): number;
  close(): Promise<void>;
}

/**
 * A local server speaking OpenAI's chat-completions wire format that answers every call after
 * `delayMs`: a slow provider, without any network beyond loopback.
 */
export async function startFakeOpenAi(delayMs: number): Promise<FakeProvider> {
  let calls = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      calls++;
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id: `chatcmpl-bench-${calls}`,
            object: 'chat.completion',
            created: Math.floor(Date.now() / 1000),
            model: 'bench-model',
            choices: [
              { index: 0, message: { role: 'assistant', content: 'A short benchmark summary of the case.' }, finish_reason: 'stop' },
            ],
            usage: { prompt_tokens: Math.ceil(body.length / 4), completion_tokens: 9, total_tokens: Math.ceil(body.length / 4) + 9 },
          }),
        );
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    calls: () => calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
