import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, Server, Socket } from 'node:net';
import { join } from 'node:path';
import { ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, SMTPServerSession } from 'smtp-server';
import type { RawEnv } from '../../src/config/configuration';
import { freePort } from '../../src/dev/embedded/processes';

/** A reply the test server gives instead of accepting: e.g. { code: 550, message: 'mailbox unavailable' }. */
export interface Reply {
  code: number;
  message: string;
}

export interface SmtpBehaviour {
  /** Reply to RCPT TO for this address; undefined accepts it. */
  rcpt?: (address: string) => Reply | undefined;
  /** Reply at the end of DATA for the n-th message (1-based); undefined accepts it. */
  data?: (n: number) => Reply | undefined;
  /** Credentials the server accepts; unset: no authentication needed. */
  auth?: { user: string; password: string };
  /** Offer STARTTLS with this key and certificate (PEM), or with `implicit`, TLS from the first byte (port 465 style). */
  tls?: { key: string; cert: string; implicit?: boolean };
}

export interface ReceivedMail {
  envelope: { from: string; to: string[] };
  raw: Buffer;
  parsed: ParsedMail;
}

export interface TestSmtpServer {
  port: number;
  /** Messages the server accepted. */
  received: ReceivedMail[];
  /** Every transaction that reached the end of DATA, accepted or not. */
  dataAttempts: number;
  /** The Message-ID of every message that reached the end of DATA, accepted or not. */
  attemptedMessageIds: (string | undefined)[];
  /** Accepted messages that came over TLS (STARTTLS or implicit). */
  receivedOverTls: number;
  /** Connections ever accepted, and those open now. */
  connectionsAccepted: number;
  openConnections: number;
  /** The environment that points the backend at this server. */
  env(extra?: RawEnv): RawEnv;
  close(): Promise<void>;
}

const smtpError = (reply: Reply) => Object.assign(new Error(reply.message), { responseCode: reply.code });

/** A real SMTP server (the smtp-server package) on localhost; no TLS unless `behaviour.tls` gives a certificate. */
export async function startSmtpServer(behaviour: SmtpBehaviour = {}, port?: number): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const state = { dataAttempts: 0, connectionsAccepted: 0, receivedOverTls: 0 };
  const tls = behaviour.tls;
  const disabled = [...(tls ? [] : ['STARTTLS']), ...(behaviour.auth ? [] : ['AUTH'])];
  const attemptedMessageIds: (string | undefined)[] = [];
  const server = new SMTPServer({
    logger: false,
    disabledCommands: disabled,
    ...(tls ? { key: tls.key, cert: tls.cert, secure: tls.implicit === true } : {}),
    authOptional: !behaviour.auth,
    allowInsecureAuth: true,
    onConnect(_session, callback) {
      state.connectionsAccepted++;
      callback();
    },
    onAuth(auth, _session, callback) {
      const ok = auth.username === behaviour.auth?.user && auth.password === behaviour.auth?.password;
      callback(
        ok ? null : smtpError({ code: 535, message: '5.7.8 Authentication credentials invalid' }),
        ok ? { user: auth.username } : undefined,
      );
    },
    onRcptTo(address, _session, callback) {
      const reply = behaviour.rcpt?.(address.address);
      callback(reply ? smtpError(reply) : null);
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const n = ++state.dataAttempts;
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then(
          (parsed) => {
            attemptedMessageIds.push(parsed.messageId);
            const reply = behaviour.data?.(n);
            if (reply) return callback(smtpError(reply));
            const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
            received.push({ envelope: { from, to: session.envelope.rcptTo.map((r) => r.address) }, raw, parsed });
            if (session.secure) state.receivedOverTls++;
            callback(null);
          },
          (err: Error) => callback(err),
        );
      });
    },
  });
  const listenPort = port ?? (await freePort());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, '127.0.0.1', () => resolve());
  });
  return {
    port: listenPort,
    received,
    attemptedMessageIds,
    get dataAttempts() {
      return state.dataAttempts;
    },
    get receivedOverTls() {
      return state.receivedOverTls;
    },
    get connectionsAccepted() {
      return state.connectionsAccepted;
    },
    get openConnections() {
      return server.connections.size;
    },
    env: (extra = {}) => ({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(listenPort), SMTP_SECURE: 'false', ...extra }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Accepts TCP connections and never says a word: the stuck server a timeout must protect against. */
export async function startSilentServer(): Promise<{ port: number; connections: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return {
    port,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}

/**
 * A private CA (self-signed) and a server certificate it signed for localhost and 127.0.0.1, made
 * with openssl in `dir`: what a company relay or a stock exim with a snake-oil certificate presents.
 */
export function makeCertificates(dir: string): { caFile: string; ca: string; key: string; cert: string } {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  run([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=Ethico Test CA',
  ]);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  run([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'san.ext',
  ]);
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return { caFile: join(dir, 'ca.pem'), ca: read('ca.pem'), key: read('server.key'), cert: read('server.pem') };
}
