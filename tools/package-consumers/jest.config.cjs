module.exports = {
  displayName: 'package-consumers',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
  // Packing and installing three tarballs takes seconds, not milliseconds.
  testTimeout: 60_000,
};
