module.exports = {
  displayName: 'udp-server',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
};
