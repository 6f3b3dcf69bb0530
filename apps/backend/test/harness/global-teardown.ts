import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const stops = (globalThis as { __ETHICO_TEST_STOPS__?: (() => Promise<void>)[] }).__ETHICO_TEST_STOPS__ ?? [];
  for (const stop of stops.reverse()) await stop();
  if (process.env.TEST_TMP_DIR) rmSync(process.env.TEST_TMP_DIR, { recursive: true, force: true });
}
