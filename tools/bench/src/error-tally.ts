import type { ErrorTally } from './job-types';

const KEPT_SAMPLES = 5;

/** Counts every error and keeps the first few descriptions, so a flood stays readable. */
export class ErrorCollector {
  private count = 0;
  private readonly samples: string[] = [];

  get errors(): number {
    return this.count;
  }

  add(description: string, occurrences = 1): void {
    this.count += occurrences;
    if (this.samples.length < KEPT_SAMPLES) this.samples.push(description);
  }

  tally(): ErrorTally {
    return { errors: this.count, errorSamples: [...this.samples] };
  }
}
