import { Worker, WorkerOptions } from 'node:worker_threads';

/**
 * Compiles TypeScript on load inside the thread with the same compiler the tests use (@swc/core,
 * a dev dependency); only ever used when running from sources, never from dist/.
 */
const TS_BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const swc = require(workerData.swcPath);
require.extensions['.ts'] = (module, filename) => {
  const { code } = swc.transformSync(readFileSync(filename, 'utf8'), {
    filename,
    sourceMaps: 'inline',
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
require(workerData.entry);
`;

/**
 * Starts a worker thread running a module of this code base given its path without extension.
 * From dist/ that is the compiled .js file; from sources (Jest) the .ts file compiled in the thread.
 */
export function startModuleThread(pathWithoutExtension: string, options: WorkerOptions = {}): Worker {
  if (__filename.endsWith('.ts')) {
    return new Worker(TS_BOOTSTRAP, {
      ...options,
      eval: true,
      workerData: { entry: `${pathWithoutExtension}.ts`, swcPath: require.resolve('@swc/core') },
    });
  }
  return new Worker(`${pathWithoutExtension}.js`, options);
}
