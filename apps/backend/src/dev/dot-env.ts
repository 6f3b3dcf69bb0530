import { existsSync } from 'node:fs';

/**
 * The `.env` file of the directory the command runs in (the repository root for `npm start` and
 * `npm run token`), loaded into process.env. Variables already in the environment win over the
 * file. Every entry point that reads configuration calls this, so a JWT_SECRET in .env signs the
 * tokens the server accepts.
 */
export function loadDotEnv(file = '.env'): void {
  if (existsSync(file)) process.loadEnvFile(file);
}
