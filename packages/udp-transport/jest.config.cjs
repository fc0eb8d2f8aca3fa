module.exports = {
  displayName: 'udp-transport',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
};
