module.exports = {
  displayName: 'server-check',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
  // The end-to-end tests start servers (netlab's, the textbook's, the broken fixtures) and run
  // the grader against each: one file at a time keeps the shared machine's load sane.
  maxWorkers: 1,
};
