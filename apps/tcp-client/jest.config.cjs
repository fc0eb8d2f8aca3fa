module.exports = {
  displayName: 'tcp-client',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
};
