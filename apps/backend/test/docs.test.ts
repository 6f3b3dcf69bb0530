import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_VARIABLES } from '../src/config/configuration';

/** Every variable the configuration reads is documented: in the README's table and in .env.example. */
describe('configuration documentation', () => {
  const root = join(__dirname, '..', '..', '..');
  const variables = CONFIG_VARIABLES;

  it('finds the variables', () => {
    expect(variables).toEqual(expect.arrayContaining(['REDIS_HOST', 'DATABASE_URL', 'SMTP_HOST', 'AI_PROVIDERS', 'METRICS_PORT']));
  });

  it('lists every variable in the configuration table of docs/configuration.md', () => {
    const readme = readFileSync(join(root, 'docs', 'configuration.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('<!-- config-rows -->'));
    const documented = new Set(
      [...table.matchAll(/^\|[^|]*\|/gm)].flatMap((row) => [...row[0].matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1])),
    );
    expect(variables.filter((v) => !documented.has(v))).toEqual([]);
  });

  it('lists every variable in .env.example', () => {
    const example = readFileSync(join(root, '.env.example'), 'utf8');
    expect(variables.filter((v) => !new RegExp(`^${v}=`, 'm').test(example))).toEqual([]);
  });
});
