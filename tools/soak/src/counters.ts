/** Named counts (requests served, faults injected by kind), in the order first counted. */
export class Counters {
  readonly #counts = new Map<string, number>();

  add(name: string, n = 1): void {
    this.#counts.set(name, (this.#counts.get(name) ?? 0) + n);
  }

  get(name: string): number {
    return this.#counts.get(name) ?? 0;
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }
}

/**
 * Broken promises of the contract, each with what was expected: the first few are kept in
 * full for the report, the rest only counted (a broken server must not exhaust the soak).
 */
export class Failures {
  static readonly KEPT = 50;
  readonly examples: string[] = [];
  count = 0;

  add(what: string): void {
    this.count++;
    if (this.examples.length < Failures.KEPT) this.examples.push(what);
  }

  /** Another thread's failures: counted, and their examples kept while there is room. */
  addAll(other: { count: number; examples: readonly string[] }): void {
    this.count += other.count;
    for (const what of other.examples) {
      if (this.examples.length < Failures.KEPT) this.examples.push(what);
    }
  }
}
