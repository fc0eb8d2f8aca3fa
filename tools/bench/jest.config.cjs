// Unit tests of the bench tool's pure parts (percentiles, request and reply rules, log
// and /proc parsing, ratios). Not an Nx project: run with
//   npx jest -c tools/bench/jest.config.cjs
module.exports = {
  displayName: 'bench',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
};
