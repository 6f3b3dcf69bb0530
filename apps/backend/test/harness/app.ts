import { startApp, RunningApp } from '../../src/roles/app.factory';
import type { AppModuleExtras } from '../../src/roles/app.module';
import type { AppConfig, RawEnv } from '../../src/config/configuration';
import { PayloadSealer } from '../../src/modules/jobs/sealing/payload-sealer';
import { testConfig } from './config';

export interface TestApp extends RunningApp {
  config: AppConfig;
}

/** Starts the real application in-process for its role, against the harness's Redis. */
export async function startTestApp(env: RawEnv = {}, extra: AppModuleExtras = {}): Promise<TestApp> {
  const config = testConfig(env);
  const app = await startApp(config, extra);
  return { ...app, config };
}

/** A job's result as its tenant reads it: BullMQ stores results sealed (docs/payload-encryption.md). */
export function resultOf(app: Pick<RunningApp, 'context'>, job: { returnvalue: unknown } | undefined): Promise<unknown> {
  return app.context.get(PayloadSealer, { strict: false }).open(job?.returnvalue);
}

/** A job's payload as its worker sees it: BullMQ stores payloads sealed. */
export async function dataOf<T = Record<string, unknown>>(
  app: Pick<RunningApp, 'context'>,
  job: { data: unknown } | undefined,
): Promise<T> {
  return (await app.context.get(PayloadSealer, { strict: false }).open(job?.data)) as T;
}
