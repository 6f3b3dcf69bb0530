import { DynamicModule, Global, Inject, Module } from '@nestjs/common';
import type { AppConfig } from './configuration';

export const APP_CONFIG = Symbol('APP_CONFIG');

/** Injects the validated configuration: `constructor(@InjectConfig() config: AppConfig)`. */
export const InjectConfig = (): ParameterDecorator => Inject(APP_CONFIG);

/**
 * Makes the configuration validated in main.ts available everywhere as APP_CONFIG, the one way
 * to read it (no ConfigService: a string path like 'queue.prefix' is not type-checked).
 */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppConfigModule,
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [APP_CONFIG],
    };
  }
}
