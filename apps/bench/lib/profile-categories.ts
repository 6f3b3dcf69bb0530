import { readFileSync } from 'node:fs';

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[];
  samples: number[];
  timeDeltas: number[];
}

/** node:crypto's native cipher frames (no script URL): the context, its key schedule, the data, the tag. */
const CRYPTO_NATIVES = new Set(['CipherBase', 'initiv', 'update', 'final', 'setAAD', 'setAuthTag', 'getAuthTag']);

/** Where a worker's main-thread time goes, by what the code is for; first match wins. */
const CATEGORIES: [string, (fn: string, url: string) => boolean][] = [
  ['idle', (fn) => fn === '(idle)'],
  // The profiler's own start-up (Profiler.start through the inspector session): not the worker's work.
  ['profiler', (fn, url) => fn === 'dispatch' || url === 'node:inspector'],
  ['garbage collection', (fn) => fn === '(garbage collector)'],
  [
    'payload validation (zod, registry, email templates)',
    (_, url) => /\/zod\/|payload-validation|job-payload|job-registry|email\/templates/.test(url),
  ],
  [
    'payload sealing (AES-256-GCM, node:crypto)',
    (fn, url) => /jobs\/sealing\/|node:internal\/crypto/.test(url) || (url === '' && CRYPTO_NATIVES.has(fn)),
  ],
  ['AsyncLocalStorage (promise hooks)', (_, url) => /async_hooks/.test(url)],
  ['logging (pino, job log fields)', (_, url) => /\/pino\/|@pinojs|nestjs-pino|modules\/logging/.test(url)],
  ['metrics (prom-client, job events)', (_, url) => /prom-client|modules\/metrics/.test(url)],
  ['socket writes (syscalls)', (fn) => fn === 'writeBuffer' || fn === 'writev' || fn === 'writeUtf8String'],
  ['BullMQ and ioredis', (_, url) => /\/bullmq\/|\/ioredis\/|redis-parser|msgpackr/.test(url)],
  ['Nest', (_, url) => /@nestjs\//.test(url)],
  ['other', () => true],
];

/** Self time per category in µs per job, from a V8 CPU profile covering `jobs` jobs. */
export function categorize(file: string, jobs: number): Record<string, number> {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const out: Record<string, number> = Object.fromEntries(CATEGORIES.map(([name]) => [name, 0]));
  profile.samples.forEach((id, i) => {
    const f = frames.get(id)!;
    const [name] = CATEGORIES.find(([, match]) => match(f.functionName, f.url))!;
    out[name] += (profile.timeDeltas[i] ?? 0) / jobs;
  });
  return out;
}
