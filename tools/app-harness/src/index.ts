export { onCleanup, runCleanups } from './cleanup';
export {
  LineSocket,
  ReadFailed,
  type LineServerAddress,
  type LineSocketOptions,
} from './line-socket';
export { startDemo, type Demo } from './demo';
export { freePort } from './free-port';
export { httpGet, type HttpAnswer } from './http-get';
export { LogCollector, readLogFile, type LogLine } from './log-lines';
export { WORKSPACE_ROOT, appMain, type AppName } from './paths';
export { MIB, RssSampler, readRss, type RssSummary } from './process-memory';
export {
  runApp,
  runToEnd,
  spawnProcess,
  startClient,
  startServer,
  type Exit,
  type RunningServer,
  type ServerProcessOptions,
  type Spawned,
  type TypedClient,
} from './processes';
export { PYTHON_READY_LINE, startPythonServer, type PythonServer } from './python-server';
export {
  describeExit,
  launchServer,
  parseListeningLine,
  type LaunchOptions,
  type LaunchedServer,
  type ServerExit,
} from './server-launcher';
export { findListeningPort, type Transport } from './listening-socket';
export { stopProcess } from './process-state';
export { Prometheus, type Sample, type ScrapeTarget } from './prometheus';
export { readCapture, type CapturedPacket } from './capture-reader';
export { temporaryPath } from './temp-path';
export { Terminal } from './terminal';
export {
  makeTestCertificates,
  type CertificateFiles,
  type TestCertificates,
} from './test-certificates';
