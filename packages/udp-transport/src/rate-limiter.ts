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

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * Bounded per-source rate limiter. A flood from many spoofed addresses can only grow the table
 * to `maxSources`; the Map's insertion order doubles as the least-recently-seen order.
 */
export class RateLimiter {
  readonly #options: RateLimitOptions;
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;

  constructor(options: RateLimitOptions, now: () => number = () => performance.now()) {
    if (!(options.perSecond > 0) || !(options.burst >= 1) || !(options.maxSources >= 1)) {
      throw new UdpUsageError('rateLimit needs perSecond > 0, burst >= 1 and maxSources >= 1');
    }
    this.#options = options;
    this.#now = now;
  }

  get trackedSources(): number {
    return this.#buckets.size;
  }

  /** Takes one token for `source`; false when its bucket is empty (drop the datagram). */
  allow(source: string): boolean {
    const now = this.#now();
    const { perSecond, burst, maxSources } = this.#options;
    let bucket = this.#buckets.get(source);
    if (bucket) {
      this.#buckets.delete(source);
      bucket.tokens = Math.min(
        burst,
        bucket.tokens + ((now - bucket.updatedAt) / 1000) * perSecond,
      );
      bucket.updatedAt = now;
    } else {
      if (this.#buckets.size >= maxSources) {
        const oldest = this.#buckets.keys().next().value as string;
        this.#buckets.delete(oldest);
      }
      bucket = { tokens: burst, updatedAt: now };
    }
    this.#buckets.set(source, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
