const NO_VIEWS: Buffer[] = [];

/**
 * The bytes a decoder holds for an unfinished frame: chunks kept as views (no copy) until
 * there are more than maxChunks of them, then copied into one buffer that grows by
 * doubling. So a million one-byte writes make one buffer, not a million-entry list, and
 * holding N bytes costs O(N) copying however they arrive (re-joining everything at each
 * coalesce would be quadratic: gigabytes for a 1 MiB frame sent a byte at a time).
 */
export class HeldChunks {
  readonly maxChunks: number;
  /** NO_VIEWS (shared, never written to) while nothing is held: most connections hold nothing. */
  #views: Buffer[] = NO_VIEWS;
  #bytes = 0;
  /** Spare room for coalescing; when set, #views[0] is #store[0, #views[0].length). */
  #store: Buffer | undefined;

  constructor(maxChunks: number) {
    this.maxChunks = maxChunks;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get count(): number {
    return this.#views.length;
  }

  push(view: Buffer): void {
    if (view.length === 0) return;
    if (this.#views === NO_VIEWS) this.#views = [view];
    else this.#views.push(view);
    this.#bytes += view.length;
    if (this.#views.length > this.maxChunks) this.#coalesce();
  }

  /** The held bytes, in order, as views. */
  views(): readonly Buffer[] {
    return this.#views;
  }

  /** The held bytes as one buffer (a copy unless they are one chunk already), then empty. */
  drain(): Buffer {
    const all = this.#views.length === 1 ? this.#views[0] : Buffer.concat(this.#views, this.#bytes);
    this.clear();
    return all;
  }

  /** Removes and returns the first n held bytes (n <= bytes): a view when they lie in one chunk. */
  take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    // The first view will no longer start at the store's start.
    this.#store = undefined;
    this.#bytes -= n;
    const first = this.#views[0];
    if (first.length > n) {
      this.#views[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    if (first.length === n) {
      this.#views.shift();
      return first;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const view = this.#views[0];
      const used = Math.min(view.length, n - filled);
      view.copy(out, filled, 0, used);
      filled += used;
      if (used === view.length) this.#views.shift();
      else this.#views[0] = view.subarray(used);
    }
    return out;
  }

  clear(): void {
    this.#views = NO_VIEWS;
    this.#bytes = 0;
    this.#store = undefined;
  }

  #coalesce(): void {
    let store = this.#store;
    let used = 0;
    let from = 0;
    if (store !== undefined && store.length >= this.#bytes) {
      used = this.#views[0].length;
      from = 1;
    } else {
      store = Buffer.allocUnsafe(Math.max(2 * this.#bytes, 1024));
    }
    for (let i = from; i < this.#views.length; i++) {
      used += this.#views[i].copy(store, used);
    }
    this.#store = store;
    this.#views = [store.subarray(0, used)];
  }
}
