import { UdpUsageError } from './errors';

/** Token bucket per source address: `burst` datagrams at once, refilled at `perSecond`. */
export interface RateLimitOptions {
  /** Datagrams a second one source may send, on average (the refill rate). */
  perSecond: number;
  /** Datagrams one source may send at once (the bucket's size). */
  burst: number;
  /** Most sources remembered; past it the least recently seen is forgotten (it starts full again). */
  maxSources: number;
}

/** The limiter's sense of time: now, and how long this process has been late in all. */
export interface RateLimiterClock {
  now(): number;
  /** Milliseconds the event loop has run late so far (see watchLoopStalls); 0 if unknown. */
  lateMs(): number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
  /** `clock.lateMs()` when the bucket was last refilled. */
  lateAt: number;
  /** A larger bucket for the backlog of a stall, and until when it holds. */
  stallBurst: number;
  stallBurstUntil: number;
}

/**
 * Bounded per-source rate limiter. A flood from many spoofed addresses can only grow the table
 * to `maxSources`; the Map's insertion order doubles as the least-recently-seen order.
 *
 * A server that was late (a busy core, a GC pause, stopped) reads in one go what a source sent
 * at a steady pace meanwhile: judged by when it was read, that backlog looks like a burst, and
 * a bucket of `burst` tokens would drop a well-behaved client's datagrams for the server's own
 * delay. So the time the loop was late since a source's last datagram may fill its bucket past
 * `burst` (by `perSecond` for each second of it), for as long again as the stall lasted: enough
 * to read the backlog. Tokens still come only at `perSecond`: since a source was first seen it
 * never gets more than `burst` plus `perSecond` a second in all; only what accrued during a
 * stall may come at once.
 */
export class RateLimiter {
  readonly #options: RateLimitOptions;
  readonly #buckets = new Map<string, Bucket>();
  readonly #clock: RateLimiterClock;

  constructor(
    options: RateLimitOptions,
    clock: RateLimiterClock = { now: () => performance.now(), lateMs: () => 0 },
  ) {
    if (!(options.perSecond > 0) || !(options.burst >= 1) || !(options.maxSources >= 1)) {
      throw new UdpUsageError('rateLimit needs perSecond > 0, burst >= 1 and maxSources >= 1');
    }
    this.#options = options;
    this.#clock = clock;
  }

  get trackedSources(): number {
    return this.#buckets.size;
  }

  /** Takes one token for `source`; false when its bucket is empty (drop the datagram). */
  allow(source: string): boolean {
    const now = this.#clock.now();
    const lateMs = this.#clock.lateMs();
    const { perSecond, burst, maxSources } = this.#options;
    let bucket = this.#buckets.get(source);
    if (bucket) {
      this.#buckets.delete(source);
      const elapsedMs = now - bucket.updatedAt;
      const stalledMs = Math.min(elapsedMs, lateMs - bucket.lateAt);
      if (stalledMs > 0) {
        // A stall while the last one's backlog is still being read (the loop late again
        // between two reads) adds to the larger bucket; it never shrinks it.
        const base = now < bucket.stallBurstUntil ? bucket.stallBurst : burst;
        bucket.stallBurst = base + (stalledMs / 1000) * perSecond;
        bucket.stallBurstUntil = Math.max(bucket.stallBurstUntil, now + stalledMs);
      }
      const size = now < bucket.stallBurstUntil ? bucket.stallBurst : burst;
      bucket.tokens = Math.min(size, bucket.tokens + (elapsedMs / 1000) * perSecond);
      bucket.updatedAt = now;
      bucket.lateAt = lateMs;
    } else {
      if (this.#buckets.size >= maxSources) {
        const oldest = this.#buckets.keys().next().value as string;
        this.#buckets.delete(oldest);
      }
      bucket = {
        tokens: burst,
        updatedAt: now,
        lateAt: lateMs,
        stallBurst: burst,
        stallBurstUntil: 0,
      };
    }
    this.#buckets.set(source, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
