import { promClient } from './prom-client';

/**
 * Metrics for what happens once per message, kept as plain numbers and turned into
 * Prometheus series only when scraped. prom-client's Counter.inc and Histogram.observe look
 * up a label set on every call, which at a few hundred thousand messages a second cost the
 * server a third of its throughput (tools/bench tcp-metrics); an addition costs nothing
 * measurable. Both implement prom-client's metric interface (`get`), so the registry, its
 * text format and its cluster aggregation (sum) treat them as its own.
 */

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/** A counter, optionally split by one label; values added on the hot path. */
export class Tally {
  readonly name: string;
  readonly help: string;
  readonly type = 'counter';
  readonly aggregator = 'sum';
  readonly #labelName: string | undefined;
  readonly #byLabel = new Map<string, number>();
  #total = 0;
  readonly #sources: (() => number)[] = [];

  constructor(options: { name: string; help: string; labelName?: string }) {
    this.name = options.name;
    this.help = options.help;
    this.#labelName = options.labelName;
    promClient().register.registerMetric(this as never);
  }

  /** Adds to the unlabelled total. */
  add(amount = 1): void {
    this.#total += amount;
  }

  /** Adds to the series of one label value (a tally made with `labelName`). */
  addTo(labelValue: string, amount = 1): void {
    this.#byLabel.set(labelValue, (this.#byLabel.get(labelValue) ?? 0) + amount);
  }

  /** A running total read at each scrape (bytes of open sockets), added to the tally. */
  addSource(source: () => number): void {
    this.#sources.push(source);
  }

  /** What a series holds now, for tests and the app's own checks. */
  value(labelValue?: string): number {
    if (labelValue !== undefined) return this.#byLabel.get(labelValue) ?? 0;
    return this.#sources.reduce((sum, source) => sum + source(), this.#total);
  }

  get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: MetricValue[];
  }> {
    const labelName = this.#labelName;
    const values: MetricValue[] =
      labelName === undefined
        ? [{ value: this.value(), labels: {} }]
        : [...this.#byLabel].map(([label, value]) => ({ value, labels: { [labelName]: label } }));
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    });
  }

  reset(): void {
    this.#total = 0;
    this.#byLabel.clear();
  }
}

/** A histogram of seconds with fixed buckets; observations added on the hot path. */
export class TallyHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #bounds: readonly number[];
  readonly #counts: Float64Array;
  #sum = 0;
  #count = 0;

  constructor(options: { name: string; help: string; buckets: readonly number[] }) {
    this.name = options.name;
    this.help = options.help;
    this.#bounds = [...options.buckets].sort((a, b) => a - b);
    this.#counts = new Float64Array(this.#bounds.length);
    promClient().register.registerMetric(this as never);
  }

  observe(seconds: number): void {
    this.observeMany(seconds, 1);
  }

  /** `count` observations of `seconds` each (messages answered together, timed together). */
  observeMany(seconds: number, count: number): void {
    this.#sum += seconds * count;
    this.#count += count;
    const bounds = this.#bounds;
    for (let index = 0; index < bounds.length; index++) {
      if (seconds <= bounds[index]) {
        this.#counts[index] += count;
        return;
      }
    }
  }

  get count(): number {
    return this.#count;
  }

  get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: MetricValue[];
  }> {
    const values: MetricValue[] = [];
    let cumulative = 0;
    for (let index = 0; index < this.#bounds.length; index++) {
      cumulative += this.#counts[index];
      values.push({
        metricName: `${this.name}_bucket`,
        labels: { le: this.#bounds[index] },
        value: cumulative,
      });
    }
    values.push(
      { metricName: `${this.name}_bucket`, labels: { le: '+Inf' }, value: this.#count },
      { metricName: `${this.name}_sum`, labels: {}, value: this.#sum },
      { metricName: `${this.name}_count`, labels: {}, value: this.#count },
    );
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    });
  }

  reset(): void {
    this.#counts.fill(0);
    this.#sum = 0;
    this.#count = 0;
  }
}
