// Latency samples kept exactly, one float per reply, and percentiles taken by sorting.
// At a few million replies per measurement that is tens of MiB and well under a second
// of sorting, done after the measurement window closes, so it costs the window nothing
// and needs no bucket-resolution trade-off.

const INITIAL_CAPACITY = 1 << 16;

export interface LatencySummary {
  samples: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

export class LatencySamples {
  private samples = new Float64Array(INITIAL_CAPACITY);
  private count = 0;
  private sorted = true;

  get size(): number {
    return this.count;
  }

  /** Records one latency, in microseconds. */
  record(micros: number): void {
    if (this.count === this.samples.length) {
      const grown = new Float64Array(this.samples.length * 2);
      grown.set(this.samples);
      this.samples = grown;
    }
    this.samples[this.count++] = micros;
    this.sorted = false;
  }

  /**
   * Nearest-rank percentile: the smallest sample that at least `fraction` of all samples
   * are less than or equal to. NaN when nothing was recorded.
   */
  percentile(fraction: number): number {
    if (!(fraction > 0 && fraction <= 1)) {
      throw new RangeError(`percentile fraction must be in (0, 1], got ${fraction}`);
    }
    if (this.count === 0) return Number.NaN;
    const view = this.sortedView();
    return view[Math.ceil(fraction * this.count) - 1];
  }

  summary(): LatencySummary {
    return {
      samples: this.count,
      p50: this.percentile(0.5),
      p99: this.percentile(0.99),
      p999: this.percentile(0.999),
      max: this.count === 0 ? Number.NaN : this.sortedView()[this.count - 1],
    };
  }

  private sortedView(): Float64Array {
    const view = this.samples.subarray(0, this.count);
    if (!this.sorted) {
      view.sort();
      this.sorted = true;
    }
    return view;
  }
}

/** The middle value (mean of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const finite = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const middle = finite.length >> 1;
  return finite.length % 2 === 1 ? finite[middle] : (finite[middle - 1] + finite[middle]) / 2;
}
