module.exports = {
  displayName: 'app-harness',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
};
