// The bench's own specs (pure functions: statistics, round plans); the benchmarks themselves run from `npm run bench`.
module.exports = {
  rootDir: '.',
  testMatch: ['<rootDir>/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/results/'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testEnvironment: 'node',
};
