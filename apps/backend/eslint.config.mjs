// ESLint (flat config): typescript-eslint's type-checked recommended rules over src, test, bench and scripts.
// Formatting is Prettier's alone (`prettier --check`, in `npm run lint`); nothing here is about layout.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.data/**', 'bench/results/**'],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Async methods that implement a Promise-returning contract (MailSender.close, prom-client's
      // getForPromString, Nest hooks, processors, test stubs) need no await, and `async` turns a throw into a rejection.
      '@typescript-eslint/require-await': 'off',
      // As tsc's noUnusedLocals/noUnusedParameters: `_`-prefixed names, and properties destructured only to omit them.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Tests and benchmarks read untyped JSON (supertest's res.body, JSON.parse, log lines) and assert on it with
    // expect(); typing every response would add casts and catch nothing. src/ and scripts/ keep these rules.
    files: ['test/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // Temporary, until the files are fixed where they are being edited now (bench/ moves to apps/bench):
    // each entry turns off exactly the rules these files still break. Remove an entry once its file is clean.
    files: [
      'bench/ai-capacity.bench.ts',
      'bench/lib/bench.ts',
      'bench/lib/children.ts',
      'bench/lib/report.ts',
      'bench/nonblocking.bench.ts',
    ],
    rules: { '@typescript-eslint/no-unnecessary-type-assertion': 'off' },
  },
  { files: ['bench/run.ts'], rules: { '@typescript-eslint/restrict-template-expressions': 'off' } },
  { files: ['src/modules/admin/console/html.ts'], rules: { '@typescript-eslint/no-base-to-string': 'off' } },
  { files: ['src/modules/jobs/jobs.service.ts'], rules: { '@typescript-eslint/no-unsafe-member-access': 'off' } },
  {
    // The JavaScript files (Jest's config, the summary reporter, this file) are outside the TypeScript project.
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // Jest loads these as CommonJS, in Node.
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { process: 'readonly', console: 'readonly' } },
  },
);
