import { nodeHasReusePort, reusePortUnsupported } from './reuse-port';

describe('reusePort support by Node version', () => {
  it.each(['22.12.0', '22.23.5', '23.1.0', '24.0.0', '24.22.3', '26.1.0'])('%s has it', (v) => {
    expect(nodeHasReusePort(v)).toBe(true);
    expect(reusePortUnsupported(v)).toBeUndefined();
  });

  it.each(['18.20.0', '20.20.2', '22.11.0', '23.0.0'])('%s does not', (version) => {
    expect(nodeHasReusePort(version)).toBe(false);
  });

  it('names the version needed and the one running', () => {
    expect(reusePortUnsupported('20.20.2')).toBe(
      'needs Node 22.12 or later (this is Node 20.20.2)',
    );
  });
});
