import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { mulberry32 } from './prng';

export interface LossyProxyOptions {
  /** Where datagrams from clients are forwarded. */
  target: { host: string; port: number };
  /** Address and port to listen on (default 127.0.0.1, port 0). */
  listen?: { host?: string; port?: number };
  /** Probability that a datagram (either direction) is dropped. */
  drop?: number;
  /** Probability that a forwarded datagram is sent twice. */
  duplicate?: number;
  /** Probability that a datagram is held back and sent after the next one (or after maxDelay + 50 ms). */
  reorder?: number;
  /** Extra delay range in ms, uniform in [min, max]. */
  delay?: { min: number; max: number };
  seed?: number;
}

export interface LossyProxyStats {
  forwarded: number;
  dropped: number;
  duplicated: number;
  reordered: number;
}

export interface LossyProxy {
  readonly port: number;
  readonly address: string;
  readonly stats: LossyProxyStats;
  close(): Promise<void>;
}

interface Lane {
  /**
   * Each lane (one direction of one client's traffic) draws from its own seeded stream, so
   * what happens to a lane's datagrams does not depend on how the lanes interleave.
   */
  random: () => number;
  /** A datagram held back for reordering; released after the next one on the same lane. */
  held?: { send(): void; timer: NodeJS.Timeout };
}

/**
 * A UDP proxy that misbehaves on purpose, with seeded randomness: each datagram, in either
 * direction, may be dropped, duplicated, delayed or swapped with the next one. One upstream
 * socket per client address keeps replies going back to the client that asked.
 */
export async function startLossyProxy(options: LossyProxyOptions): Promise<LossyProxy> {
  const { drop = 0, duplicate = 0, reorder = 0, delay = { min: 0, max: 0 }, seed = 1 } = options;
  let lanes = 0;
  const newLane = (): Lane => ({ random: mulberry32((seed + 0x9e3779b9 * lanes++) >>> 0) });
  const stats: LossyProxyStats = { forwarded: 0, dropped: 0, duplicated: 0, reordered: 0 };
  const listenHost = options.listen?.host ?? '127.0.0.1';
  const family = listenHost.includes(':') ? 'udp6' : 'udp4';
  const front = createSocket(family);
  const upstreams = new Map<string, { socket: Socket; lane: Lane }>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  function later(ms: number, fn: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!closed) fn();
    }, ms);
    timers.add(timer);
    return timer;
  }

  function pass(lane: Lane, send: () => void): void {
    const { random } = lane;
    if (random() < drop) {
      stats.dropped += 1;
      return;
    }
    const copies = random() < duplicate ? 2 : 1;
    if (copies === 2) stats.duplicated += 1;
    const wait = delay.min + random() * (delay.max - delay.min);
    const deliver = (): void => {
      for (let i = 0; i < copies; i += 1) {
        stats.forwarded += 1;
        send();
      }
    };
    const previous = lane.held;
    if (!previous && random() < reorder) {
      stats.reordered += 1;
      // Held until the next datagram on this lane goes out, or a while if none comes.
      lane.held = { send: deliver, timer: later(delay.max + 50, () => release(lane)) };
      return;
    }
    later(wait, () => {
      deliver();
      release(lane);
    });
  }

  function release(lane: Lane): void {
    const held = lane.held;
    if (!held) return;
    lane.held = undefined;
    clearTimeout(held.timer);
    timers.delete(held.timer);
    held.send();
  }

  function upstreamFor(client: RemoteInfo): { socket: Socket; lane: Lane } {
    const key = `${client.address}|${client.port}`;
    let upstream = upstreams.get(key);
    if (!upstream) {
      const socket = createSocket(options.target.host.includes(':') ? 'udp6' : 'udp4');
      const lane = newLane();
      const replyLane = newLane();
      socket.on('message', (reply) => {
        pass(replyLane, () => front.send(reply, client.port, client.address));
      });
      socket.on('error', () => {
        // ICMP feedback from a target that is down: the proxy just loses the datagram.
      });
      upstream = { socket, lane };
      upstreams.set(key, upstream);
    }
    return upstream;
  }

  front.on('message', (datagram, client) => {
    const { socket, lane } = upstreamFor(client);
    pass(lane, () => socket.send(datagram, options.target.port, options.target.host));
  });
  front.on('error', () => {
    // Same as above: a vanished client is not the proxy's problem.
  });
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.bind(options.listen?.port ?? 0, listenHost, () => {
      front.off('error', reject);
      resolve();
    });
  });
  const { address, port } = front.address();

  let closing: Promise<void> | undefined;
  return {
    address,
    port,
    stats,
    close: () =>
      (closing ??= (async () => {
        closed = true;
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        const sockets = [front, ...[...upstreams.values()].map((u) => u.socket)];
        await Promise.all(
          sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
        );
      })()),
  };
}
