module.exports = {
  displayName: 'tcp-client',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
  // Some tests here run `npx nx serve` as a person types it. Without the Nx daemon (CI), Nx
  // answers a cache hit by deleting the build outputs and copying them back from the cache:
  // for a moment dist/ lacks the apps the other tests spawn. So these tests run one file at a
  // time, and the project's test target (parallelism: false in project.json) runs alone.
  maxWorkers: 1,
};
