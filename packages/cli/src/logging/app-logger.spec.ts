import { effectiveLevel } from './app-logger';

describe('effectiveLevel', () => {
  it('lowers info (and quieter levels) to debug for --dump, whose lines are debug lines', () => {
    expect(effectiveLevel('info', true)).toBe('debug');
    expect(effectiveLevel('warn', true)).toBe('debug');
    expect(effectiveLevel('trace', true)).toBe('trace');
    expect(effectiveLevel('silent', true)).toBe('silent');
    expect(effectiveLevel('info', false)).toBe('info');
  });
});
