module.exports = {
  displayName: 'udp-client',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
};
