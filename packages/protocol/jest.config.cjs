module.exports = {
  displayName: 'protocol',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
};
