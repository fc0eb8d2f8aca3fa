module.exports = {
  displayName: 'transport-core',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
};
