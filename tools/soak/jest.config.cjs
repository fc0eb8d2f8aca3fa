module.exports = {
  displayName: 'soak',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
};
