// Shared Jest settings. Every project runs in Node (sockets, not a DOM) and
// compiles TypeScript with ts-jest in isolatedModules mode: type errors are the
// `typecheck` target's job, so tests start fast.
const { nxPreset } = require('@nx/jest/preset');

module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  // Tests here spawn the built apps and talk over real sockets, on machines that are often
  // busy (a laptop with a browser open, a shared CI runner, `npm run test:busy`): Jest's 5 s
  // default fails them for the machine's lateness, not the code's. A test that needs longer
  // gives its own budget; a test that hangs still fails, after a minute.
  testTimeout: 60_000,
  testMatch: ['**/?(*.)+(spec|test).ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  moduleFileExtensions: ['ts', 'js', 'cjs', 'json'],
  coverageReporters: ['text-summary', 'html'],
  reporters: ['default', require.resolve('./tools/jest/summary-reporter.cjs')],
};
