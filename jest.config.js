/** Jest runs the TypeScript sources as ESM through ts-jest (see docs/DEVELOPING.md). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true }]
  },
  testMatch: ['**/__tests__/**/*.test.ts'],
  // The reliability suite runs on its own (npm run test:reliability, part of npm test) and prints its report.
  testPathIgnorePatterns: ['/node_modules/', '/__tests__/reliability/'],
  collectCoverageFrom: ['src/**/*.ts', '!src/index.ts', '!src/bin.ts', '!src/types/**'],
  coverageReporters: ['text-summary', 'json-summary', 'lcov'],
  coverageThreshold: { global: { lines: 90 } },
  testTimeout: 60000
}
