module.exports = {
  displayName: 'lossy-udp-proxy',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
};
