module.exports = {
  displayName: 'tcp-server',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
};
