import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Where the proxy forwards to: a host and port, or a Unix domain socket path. */
export type ProxyTarget = { host: string; port: number } | { path: string };

/** Faults applied to the bytes flowing one way. Each is off unless set. */
export interface StreamFaults {
  /** Cut every chunk into pieces of this many bytes, each its own write (1: a byte at a time). */
  splitBytes?: number;
  /** Hold what arrives for this long, then forward it all as one write. */
  joinMs?: number;
  /** Wait this long before forwarding each chunk. */
  delayMs?: number;
}

export interface FaultProxyOptions {
  target: ProxyTarget;
  /** Faults on client → server bytes. */
  upstream?: StreamFaults;
  /** Faults on server → client bytes. */
  downstream?: StreamFaults;
  /** After this many server → client bytes, reset the client's connection (RST) mid-stream. */
  resetAfterBytes?: number;
}

export interface FaultProxy {
  listen(options?: { host?: string; port?: number }): Promise<{ address: string; port: number }>;
  /** Stops accepting and destroys every proxied connection. Idempotent. */
  close(): Promise<void>;
  /** Client connections currently proxied. */
  readonly connections: number;
}

/**
 * A TCP proxy that misbehaves on purpose, for tests and demos: a byte-at-a-time network,
 * one that coalesces, a slow one, or a peer that resets in the middle of a reply.
 */
export function createFaultProxy(options: FaultProxyOptions): FaultProxy {
  const pairs = new Set<{ client: Socket; server: Socket }>();
  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    client.setNoDelay(true);
    const upstream =
      'path' in options.target
        ? connect({ path: options.target.path, allowHalfOpen: true })
        : connect({ ...options.target, allowHalfOpen: true, noDelay: true });
    const pair = { client, server: upstream };
    pairs.add(pair);
    // Either side failing takes the other with it, as a dead network path would.
    const teardown = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', teardown);
    upstream.on('error', teardown);
    client.pause();
    upstream.once('connect', () => client.resume());
    pump(client, upstream, options.upstream ?? {});
    pump(upstream, client, options.downstream ?? {}, options.resetAfterBytes);
    client.once('close', () => pairs.delete(pair));
  });

  let closing: Promise<void> | undefined;
  return {
    listen({ host = '127.0.0.1', port = 0 } = {}) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const info = server.address() as AddressInfo;
          resolve({ address: info.address, port: info.port });
        });
      });
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const pair of pairs) {
          pair.client.destroy();
          pair.server.destroy();
        }
        pairs.clear();
        if (server.listening) server.close(() => resolve());
        else resolve();
      });
      return closing;
    },
    get connections() {
      return pairs.size;
    },
  };
}

/** Forwards from → to in order, applying the faults; ends `to` after the last byte. */
function pump(from: Socket, to: Socket, faults: StreamFaults, resetAfterBytes?: number): void {
  let chain = Promise.resolve();
  let forwarded = 0;
  let held: Buffer[] = [];

  const forward = async (chunk: Buffer): Promise<void> => {
    if (to.destroyed) return;
    if (faults.delayMs) await sleep(faults.delayMs);
    if (resetAfterBytes !== undefined && forwarded + chunk.length >= resetAfterBytes) {
      await write(to, chunk.subarray(0, resetAfterBytes - forwarded));
      forwarded = resetAfterBytes;
      to.resetAndDestroy();
      from.destroy();
      return;
    }
    forwarded += chunk.length;
    const size = faults.splitBytes;
    if (!size) return write(to, chunk);
    for (let offset = 0; offset < chunk.length && !to.destroyed; offset += size) {
      await write(to, chunk.subarray(offset, offset + size));
      await pastNextPoll();
    }
  };
  const enqueue = (chunk: Buffer): void => {
    chain = chain
      .then(() => forward(chunk))
      .catch(() => {
        to.destroy();
      });
  };

  from.on('data', (chunk: Buffer) => {
    if (!faults.joinMs) return enqueue(chunk);
    if (held.length === 0) {
      setTimeout(() => {
        const joined = Buffer.concat(held);
        held = [];
        enqueue(joined);
      }, faults.joinMs);
    }
    held.push(chunk);
  });
  from.on('end', () => {
    const flush = held.length > 0 ? Buffer.concat(held) : undefined;
    held = [];
    if (flush) enqueue(flush);
    chain = chain.then(() => {
      if (!to.destroyed) to.end();
    });
  });
}

/**
 * Lets the event loop turn through a poll phase, so each piece leaves as its own segment and
 * is read on its own, even by a reader in this same process (a test). One setImmediate is not
 * enough: queued from the poll phase (a 'data' handler), it runs in that same turn's check
 * phase, before any reader has polled, and the next piece joins the last one.
 */
async function pastNextPoll(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
}

function write(socket: Socket, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed || bytes.length === 0) return resolve();
    socket.write(bytes, () => resolve());
  });
}
