import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

/**
 * Commands for a benchmark child to CPU-profile only the part being measured (not its boot):
 * `profileStart`, then `profileStop` with the file to write (open it in Chrome DevTools).
 */
export function profilerCommands() {
  const session = new Session();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
  return {
    profileStart: async () => {
      session.connect();
      await post('Profiler.enable');
      await post('Profiler.start');
    },
    profileStop: async ({ file }: { file: string }) => {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}
