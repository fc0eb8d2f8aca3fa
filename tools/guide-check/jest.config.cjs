module.exports = {
  displayName: 'guide-check',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
  // A guide command may wait for retries or `nc -w1`; `npx nx serve` as written starts Nx.
  testTimeout: 60_000,
};
