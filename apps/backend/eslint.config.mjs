// ESLint (flat config): typescript-eslint's type-checked recommended rules over src, test, bench and scripts.
// Formatting is Prettier's alone (`prettier --check`, in `npm run lint`); nothing here is about layout.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.data/**'],
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
    // Tests (and unit specs) read untyped JSON (supertest's res.body, JSON.parse, log lines) and assert on it with
    // expect(); typing every response would add casts and catch nothing. src/ and scripts/ keep these rules.
    files: ['test/**', 'src/**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // The JavaScript files (Jest's config, the summary reporter, this file) are outside the TypeScript project.
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // Jest loads these as CommonJS, in Node.
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { process: 'readonly', console: 'readonly', require: 'readonly', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
