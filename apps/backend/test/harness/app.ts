import { startApp, RunningApp } from '../../src/roles/app.factory';
import type { AppModuleExtras } from '../../src/roles/app.module';
import type { AppConfig, RawEnv } from '../../src/config/configuration';
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
