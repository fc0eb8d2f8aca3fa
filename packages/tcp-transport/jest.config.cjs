module.exports = {
  displayName: 'tcp-transport',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
};
