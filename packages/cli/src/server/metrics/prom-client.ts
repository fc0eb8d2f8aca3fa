import type * as PromClient from 'prom-client';

let loaded: typeof PromClient | undefined;

/**
 * prom-client, loaded at its first use: a server without `--metrics-port` never evaluates
 * it. In a bundle it is about 2 MiB of heap and more of resident memory before the first
 * connection, a fifth of what tcp-server carried over a bare node:net server at start.
 */
export function promClient(): typeof PromClient {
  loaded ??= require('prom-client') as typeof PromClient;
  return loaded;
}
