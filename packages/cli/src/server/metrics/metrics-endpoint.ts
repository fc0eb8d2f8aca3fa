import { once } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeCause, formatHostPort } from '@netlab/transport-core';

/** The three paths of the endpoint, for Prometheus and for a service manager's probes. */
export const METRICS_PATH = {
  metrics: '/metrics',
  health: '/healthz',
  ready: '/readyz',
} as const;

export interface MetricsEndpointOptions {
  readonly host: string;
  readonly port: number;
  /** The exposition in Prometheus' text format. */
  metrics(): Promise<{ contentType: string; body: string }>;
  /** True while the server takes traffic: listening, and no stop begun. */
  ready(): boolean;
}

export interface MetricsEndpoint {
  readonly address: { address: string; port: number };
  close(): Promise<void>;
}

/** Could not listen where --metrics-host and --metrics-port say; `message` is for the user. */
export class MetricsListenError extends Error {
  override readonly name = 'MetricsListenError';
}

/**
 * The HTTP listener of `--metrics-port`: `GET /metrics` (Prometheus' text format),
 * `/healthz` (200 while the process serves: it answers at all) and `/readyz` (200 while
 * `ready()`, else 503, so a balancer stops sending traffic the moment a drain begins).
 * node:http and nothing else: the packages stay free of it, and the apps need no framework
 * for three paths.
 */
export async function startMetricsEndpoint(
  options: MetricsEndpointOptions,
): Promise<MetricsEndpoint> {
  // node:http is loaded here, not at start: a server without --metrics-port never needs it
  // (about 0.7 MiB of resident memory).
  const { createServer } = require('node:http') as typeof import('node:http');
  const server = createServer((request, response) => {
    void answer(options, request, response);
  });
  // A scraper that keeps its connection open must not hold up the process's exit.
  server.keepAliveTimeout = 5_000;
  server.listen(options.port, options.host);
  try {
    await once(server, 'listening');
  } catch (error) {
    const where = formatHostPort({ host: options.host, port: options.port });
    throw new MetricsListenError(
      `could not listen for metrics on ${where}: ${describeCause(error)}`,
      { cause: error },
    );
  }
  const { address, port } = server.address() as AddressInfo;
  return { address: { address, port }, close: () => closeServer(server) };
}

async function answer(
  options: MetricsEndpointOptions,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return send(response, 405, 'only GET and HEAD\n', { allow: 'GET, HEAD' });
  }
  const path = (request.url ?? '/').split('?')[0];
  switch (path) {
    case METRICS_PATH.metrics:
      try {
        const { contentType, body } = await options.metrics();
        return send(response, 200, body, { 'content-type': contentType });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        return send(response, 500, `could not gather metrics: ${reason}\n`);
      }
    case METRICS_PATH.health:
      return send(response, 200, 'ok\n');
    case METRICS_PATH.ready:
      return options.ready() ? send(response, 200, 'ready\n') : send(response, 503, 'not ready\n');
    default:
      return send(response, 404, `not found: try ${Object.values(METRICS_PATH).join(', ')}\n`);
  }
}

function send(
  response: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  response.end(body);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
