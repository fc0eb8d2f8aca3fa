// Shared Jest settings. Every project runs in Node (sockets, not a DOM) and
// compiles TypeScript with ts-jest in isolatedModules mode: type errors are the
// `typecheck` target's job, so tests start fast.
const { nxPreset } = require('@nx/jest/preset');

module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  testMatch: ['**/?(*.)+(spec|test).ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  moduleFileExtensions: ['ts', 'js', 'cjs', 'json'],
  coverageReporters: ['text-summary', 'html'],
  reporters: ['default', require.resolve('./tools/jest/summary-reporter.cjs')],
};
