// The figures a measurement yields, how to print them, and which way is better.

export const METRICS = {
  messagesPerSecond: { label: 'msg/s', better: 'higher', digits: 0 },
  megabytesPerSecond: { label: 'MB/s', better: 'higher', digits: 1 },
  /**
   * The server's CPU time per verified reply: what a message costs the server, whatever
   * share of the cores it was given. On a shared machine throughput follows the scheduler;
   * this follows the code.
   */
  serverCpuMicrosPerMessage: { label: 'srv CPU µs/msg', better: 'lower', digits: 2 },
  p50Micros: { label: 'p50 µs', better: 'lower', digits: 0 },
  p99Micros: { label: 'p99 µs', better: 'lower', digits: 0 },
  p999Micros: { label: 'p999 µs', better: 'lower', digits: 0 },
  serverRssMiB: { label: 'server RSS MiB', better: 'lower', digits: 1 },
  startupMs: { label: 'startup ms', better: 'lower', digits: 1 },
} as const;

export type MetricName = keyof typeof METRICS;

/** A bound on subject / baseline for one metric. */
export interface Target {
  metric: MetricName;
  atLeast?: number;
  atMost?: number;
}

export function meetsTarget(target: Target, ratio: number): boolean {
  if (!Number.isFinite(ratio)) return false;
  if (target.atLeast !== undefined && ratio < target.atLeast) return false;
  if (target.atMost !== undefined && ratio > target.atMost) return false;
  return true;
}

export function describeTarget(target: Target): string {
  const bounds = [];
  if (target.atLeast !== undefined) bounds.push(`≥ ${target.atLeast}`);
  if (target.atMost !== undefined) bounds.push(`≤ ${target.atMost}`);
  return bounds.join(' and ');
}

export function formatMetric(metric: MetricName, value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  return value.toLocaleString('en-US', {
    minimumFractionDigits: METRICS[metric].digits,
    maximumFractionDigits: METRICS[metric].digits,
  });
}
