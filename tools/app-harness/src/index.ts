export { onCleanup, runCleanups } from './cleanup';
export { LogCollector, type LogLine } from './log-lines';
export { WORKSPACE_ROOT, appMain, type AppName } from './paths';
export {
  runApp,
  runToEnd,
  spawnProcess,
  startClient,
  startServer,
  type Exit,
  type RunningServer,
  type Spawned,
  type TypedClient,
} from './processes';
export { Terminal } from './terminal';
