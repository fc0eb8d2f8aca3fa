import type { AggregatorRegistry, PrometheusContentType } from 'prom-client';
import { promClient } from './prom-client';
import type { AppLogger } from '../../logging/app-logger';
import { serverMetrics } from './server-metrics';

/** `--metrics-port` and `--metrics-host`, and how the app feeds its metrics. */
export interface MetricsOptions {
  readonly host: string;
  readonly port: number;
  /**
   * Subscribes the app's metrics to its transport's diagnostics channels. Called once in
   * each process that serves (a lone server, every worker), never in a cluster's primary.
   */
  observe(): void;
}

/**
 * Starts counting in a process that serves: the app's transport metrics, the log lines
 * dropped, prom-client's process metrics. In a cluster worker it also answers the primary's
 * requests for this worker's metrics (prom-client's cluster aggregation listens for them
 * once an AggregatorRegistry exists in the process).
 */
export function countInThisProcess(metrics: MetricsOptions, log: AppLogger, worker: boolean): void {
  const { logLinesDropped } = serverMetrics();
  log.onDropped(() => logLinesDropped.add());
  metrics.observe();
  if (worker) new (promClient().AggregatorRegistry)();
}

/** The cluster's primary: every worker's metrics, summed (prom-client's aggregation). */
export function clusterExposition(): () => Promise<{ contentType: string; body: string }> {
  let aggregator: AggregatorRegistry<PrometheusContentType> | undefined;
  return async () => {
    aggregator ??= new (promClient().AggregatorRegistry)();
    return { contentType: aggregator.contentType, body: await aggregator.clusterMetrics() };
  };
}

/** A lone server: this process's own metrics. */
export function localExposition(): Promise<{ contentType: string; body: string }> {
  const { registry } = serverMetrics();
  return registry.metrics().then((body) => ({ contentType: registry.contentType, body }));
}
