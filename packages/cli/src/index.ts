// The apps' shared code, by part: flags (and where their values come from), logging, a
// server's life (signals, workers), and the clients' console. The apps import only this.
export { flag, LOG_LEVELS } from './flags/flag';
export type { Flag, FlagSpec, FlagValues, LogLevel } from './flags/flag';
export { describeParseError, flagName, parseFlags } from './flags/parse-flags';
export type { ParsedArgs } from './flags/parse-flags';
export { formatUsage } from './flags/usage';
export { describeFileFlagProblem, missingCompanion } from './flags/file-flags';
export { ENVIRONMENT_PREFIX, environmentName, environmentNames } from './flags/environment';
export type { Environment } from './flags/environment';
export { runCli } from './run-cli';
export type { CliApp } from './run-cli';

export { createAppLogger, effectiveLevel } from './logging/app-logger';
export type { AppLogger } from './logging/app-logger';
export { LOG_FORMATS, formatFor } from './logging/pretty-lines';
export type { LogFormat } from './logging/pretty-lines';

export { serve } from './server/serve';
export type { ListeningAt, ServeOptions } from './server/serve';
export { createServerLogger } from './server/server-logger';
export { reusePortConflict } from './server/reuse-port';
export type { ReusePortFlags } from './server/reuse-port';
export { STOP_STATE, StopSwitch } from './server/stop-switch';
export type { ShutdownSignal, StopHandlers, StopRequest, StopState } from './server/stop-switch';
export { onReloadSignal, RELOAD_SIGNAL } from './server/reload-signal';
export { superviseWorkers } from './server/supervise-workers';
export { METRICS_PATH } from './server/metrics/metrics-endpoint';
export type { MetricsOptions } from './server/metrics/process-metrics';
export {
  METRIC_PREFIX,
  serverMetrics,
  tcpServerMetrics,
  udpServerMetrics,
} from './server/metrics/server-metrics';
export type {
  ServerMetrics,
  TcpServerMetrics,
  UdpServerMetrics,
} from './server/metrics/server-metrics';
export type { SuperviseOptions } from './server/supervise-workers';
export { resolveWorkerCount, workerField, WORKER_NUMBER_ENV } from './server/worker-count';
export type { WorkersOption } from './server/worker-count';
export { isWorkerMessage, WORKER_MESSAGE } from './server/worker-messages';
export type { WorkerMessage } from './server/worker-messages';
export {
  FIRST_RESTART_DELAY_MS,
  HEALTHY_AFTER_MS,
  MAX_RESTART_DELAY_MS,
  RestartBackoff,
} from './server/restart-backoff';

export { openKeyboard, PROMPT, REPLY_PREFIX } from './console/keyboard';

export { openPcapFile } from './capture/pcap-file';
export type { PcapFile, PcapFileOptions } from './capture/pcap-file';
export type { Keyboard } from './console/keyboard';
