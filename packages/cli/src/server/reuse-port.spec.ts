import { reusePortConflict } from './reuse-port';

describe('reusePortConflict', () => {
  it('accepts --reuse-port on a fixed port, with or without workers', () => {
    expect(reusePortConflict({ reusePort: true, port: 12000, workers: 4 })).toBeUndefined();
    expect(reusePortConflict({ reusePort: true, port: 0, workers: 1 })).toBeUndefined();
  });

  it('refuses --port 0 with several workers: each would bind a port of its own', () => {
    expect(reusePortConflict({ reusePort: true, port: 0, workers: 'auto' })).toMatch(
      /--reuse-port with --workers needs a --port other than 0/,
    );
  });

  it('refuses --path, which has no port to share', () => {
    expect(reusePortConflict({ reusePort: true, port: 1060, workers: 1, path: '/tmp/s' })).toBe(
      '--reuse-port shares a port; it does not apply to --path',
    );
  });

  it('has nothing to say without --reuse-port', () => {
    expect(reusePortConflict({ reusePort: false, port: 0, workers: 2, path: '/x' })).toBe(
      undefined,
    );
  });
});
