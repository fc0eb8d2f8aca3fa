module.exports = {
  displayName: 'tcp-fault-proxy',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
};
