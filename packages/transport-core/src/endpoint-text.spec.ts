import { describeCause, formatHostPort } from './endpoint-text';

function systemError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:1060`), { code });
}

describe('formatHostPort', () => {
  it('writes "127.0.0.1:1060", and brackets IPv6 addresses: "[::1]:1060"', () => {
    expect(formatHostPort({ host: '127.0.0.1', port: 1060 })).toBe('127.0.0.1:1060');
    expect(formatHostPort({ host: '::1', port: 1060 })).toBe('[::1]:1060');
    expect(formatHostPort({ host: 'localhost', port: 1 })).toBe('localhost:1');
  });
});

describe('describeCause', () => {
  it('says "connection refused" for ECONNREFUSED, without Node\'s syscall prefix', () => {
    expect(describeCause(systemError('ECONNREFUSED'))).toBe('connection refused');
    expect(describeCause(systemError('EADDRINUSE'))).toBe('address already in use');
    expect(describeCause(systemError('EMSGSIZE'))).toBe('message too long');
  });

  it('falls back to the message of an error it has no words for, or the value itself', () => {
    expect(describeCause(systemError('EWEIRD'))).toBe('connect EWEIRD 127.0.0.1:1060');
    expect(describeCause(new Error('odd'))).toBe('odd');
    expect(describeCause('text')).toBe('text');
  });
});
