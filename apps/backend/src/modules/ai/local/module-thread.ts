import { Worker, WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread running a module of this code base, given its path without extension.
 * From dist/ that is the compiled .js file. From sources (Jest) it is the .ts file, compiled on
 * load by @swc-node/register, the dev dependency the test harness also spawns processes with.
 */
export function startModuleThread(pathWithoutExtension: string, options: WorkerOptions = {}): Worker {
  if (__filename.endsWith('.ts')) {
    return new Worker(`${pathWithoutExtension}.ts`, {
      ...options,
      execArgv: [...(options.execArgv ?? []), '--require', require.resolve('@swc-node/register')],
    });
  }
  return new Worker(`${pathWithoutExtension}.js`, options);
}
