import type * as Crypto from 'node:crypto';
import type * as Tls from 'node:tls';

// node:tls and node:crypto are loaded at their first use, not with this package: a
// plaintext server or client never needs them (about 0.8 MiB of resident memory).

export function nodeTls(): typeof Tls {
  return require('node:tls') as typeof Tls;
}

export function nodeCrypto(): typeof Crypto {
  return require('node:crypto') as typeof Crypto;
}
