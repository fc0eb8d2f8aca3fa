module.exports = {
  displayName: 'balancers',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
  // Each test runs six servers and a balancer under hundreds of clients, maybe on a busy
  // machine: twice the preset's budget.
  testTimeout: 120_000,
};
