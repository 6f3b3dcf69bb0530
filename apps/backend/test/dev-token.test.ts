import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { verify } from 'jsonwebtoken';

const BACKEND = join(__dirname, '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { staleness, OUTPUT } = require('../scripts/build-if-stale.js') as {
  staleness: (output: string, sources: string[]) => string | null;
  OUTPUT: string;
};

/** `npm run token`: signs with the JWT_SECRET the backend would read (.env included), without rebuilding a current build. */
describe('npm run token', () => {
  const dir = mkdtempSync(join(process.env.TEST_TMP_DIR ?? '/tmp', 'token-'));
  const SECRET = 'a-secret-only-in-the-dot-env-file-0123456789';

  beforeAll(() => {
    // The build is current after this (npm test builds first; a lone run may build here once).
    execFileSync(process.execPath, [join(BACKEND, 'scripts', 'build-if-stale.js')], { stdio: 'ignore' });
  });

  const token = (cwd: string, env: Record<string, string> = {}) => {
    const run = spawnSync(process.execPath, [join(BACKEND, 'dist', 'dev', 'dev-token.js'), 'org-7', 'u-1'], {
      cwd,
      env: { PATH: process.env.PATH, ...env },
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    return run.stdout.trim();
  };

  it('signs with JWT_SECRET from .env in the working directory, as the backend reads it', () => {
    writeFileSync(join(dir, '.env'), `JWT_SECRET=${SECRET}\n`);
    expect(verify(token(dir), SECRET, { algorithms: ['HS256'] })).toMatchObject({ sub: 'u-1', organizationId: 'org-7' });
    // The environment wins over the file, as for the backend.
    const other = 'a-secret-from-the-environment-0123456789';
    expect(verify(token(dir, { JWT_SECRET: other }), other, { algorithms: ['HS256'] })).toMatchObject({ organizationId: 'org-7' });
  });

  it('does not rebuild a current build, and says why it rebuilds a stale one', () => {
    const before = statSync(OUTPUT).mtimeMs;
    const started = Date.now();
    execFileSync(process.execPath, [join(BACKEND, 'scripts', 'build-if-stale.js')], { stdio: 'ignore' });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(statSync(OUTPUT).mtimeMs).toBe(before);

    // The staleness rule on a folder of its own: a source newer than the output, spec files aside.
    const src = join(dir, 'src');
    mkdirSync(join(src, 'deep'), { recursive: true });
    const out = join(dir, 'main.js');
    writeFileSync(join(src, 'deep', 'a.ts'), '');
    writeFileSync(join(src, 'deep', 'a.spec.ts'), '');
    writeFileSync(out, '');
    const at = (file: string, seconds: number) => utimesSync(file, seconds, seconds);
    at(join(src, 'deep', 'a.ts'), 1_000);
    at(out, 2_000);
    at(join(src, 'deep', 'a.spec.ts'), 3_000);
    expect(staleness(out, [src])).toBeNull();
    at(join(src, 'deep', 'a.ts'), 3_000);
    expect(staleness(out, [src])).toBe(`${src} changed after the build`);
    expect(staleness(join(dir, 'nothing.js'), [src])).toMatch(/is missing/);
  });
});
