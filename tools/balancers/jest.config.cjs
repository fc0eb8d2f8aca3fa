module.exports = {
  displayName: 'balancers',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
};
