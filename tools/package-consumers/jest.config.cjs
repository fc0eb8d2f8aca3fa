module.exports = {
  displayName: 'package-consumers',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
  // Packing and installing three tarballs takes seconds, and a full type-check of the consumer
  // (skipLibCheck off) took 70 s on a busy machine (load 40): room for run()'s 240 s limit.
  testTimeout: 300_000,
};
